package io.nectarfs.gateway.webdav;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The parsed {@code If} request header of RFC 4918 §10.4: untagged lists apply to the request
 * URI, tagged lists ({@code <href> (...)}) to the named resource. The header is true when any list
 * is true; a list is true when all its conditions are. A malformed header is 400.
 */
record IfHeader(List<Clause> clauses) {
  /** One condition: a state token ({@code <opaquelocktoken:...>}) or an entity tag ({@code ["x"]}), maybe negated. */
  record Condition(boolean not, String token, String etag) {}

  /** One list; {@code resource} is the tag's href (raw, as sent) or null for the request URI. */
  record Clause(String resource, List<Condition> conditions) {}

  /** Decides a single (not negated) condition against a resource. */
  interface Oracle {
    /** {@code resource} is null for the request URI, else the tag's href as sent. */
    boolean holds(String resource, Condition c) throws DavException, java.io.IOException;
  }

  static IfHeader parse(String header) throws DavException {
    List<Clause> out = new ArrayList<>();
    String s = header;
    int i = 0;
    String tag = null;
    while (true) {
      i = skip(s, i);
      if (i >= s.length()) {
        break;
      }
      char c = s.charAt(i);
      if (c == '<') {
        int end = s.indexOf('>', i);
        if (end < 0) {
          throw bad();
        }
        tag = s.substring(i + 1, end);
        i = end + 1;
        i = skip(s, i);
        if (i >= s.length() || s.charAt(i) != '(') {
          throw bad();
        }
        continue;
      }
      if (c != '(') {
        throw bad();
      }
      i++;
      List<Condition> conds = new ArrayList<>();
      while (true) {
        i = skip(s, i);
        if (i >= s.length()) {
          throw bad();
        }
        if (s.charAt(i) == ')') {
          i++;
          break;
        }
        boolean not = false;
        if (s.regionMatches(true, i, "Not", 0, 3)) {
          not = true;
          i = skip(s, i + 3);
          if (i >= s.length()) {
            throw bad();
          }
        }
        char d = s.charAt(i);
        if (d == '<') {
          int end = s.indexOf('>', i);
          if (end < 0) {
            throw bad();
          }
          conds.add(new Condition(not, s.substring(i + 1, end), null));
          i = end + 1;
        } else if (d == '[') {
          int end = s.indexOf(']', i);
          if (end < 0) {
            throw bad();
          }
          conds.add(new Condition(not, null, s.substring(i + 1, end).trim()));
          i = end + 1;
        } else {
          throw bad();
        }
      }
      if (conds.isEmpty()) {
        throw bad();
      }
      out.add(new Clause(tag, List.copyOf(conds)));
    }
    if (out.isEmpty()) {
      throw bad();
    }
    return new IfHeader(List.copyOf(out));
  }

  /** Whether the header holds: some list all of whose conditions hold. */
  boolean evaluate(Oracle oracle) throws DavException, java.io.IOException {
    for (Clause cl : clauses) {
      boolean all = true;
      for (Condition c : cl.conditions()) {
        if (oracle.holds(cl.resource(), c) == c.not()) {
          all = false;
          break;
        }
      }
      if (all) {
        return true;
      }
    }
    return false;
  }

  /** Every state token the header names (RFC 4918: a token in the If header is submitted). */
  Set<String> tokens() {
    Set<String> out = new LinkedHashSet<>();
    for (Clause cl : clauses) {
      for (Condition c : cl.conditions()) {
        if (c.token() != null) {
          out.add(c.token());
        }
      }
    }
    return out;
  }

  private static int skip(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static DavException bad() {
    return new DavException(400, "malformed If header");
  }
}
