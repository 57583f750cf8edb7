package io.nectarfs.object;

import java.nio.charset.StandardCharsets;

/** Validation of object keys and helpers for listings shared by the backends. */
final class Keys {
  static final int MAX_KEY_BYTES = 1024;

  private Keys() {}

  /** Throws {@link IllegalArgumentException} unless {@code key} is a valid object key. */
  static String check(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("empty object key");
    }
    if (key.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("object key contains NUL: " + key.replace('\0', '?'));
    }
    if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException("object key longer than " + MAX_KEY_BYTES + " bytes");
    }
    return key;
  }

  /**
   * Paginates a sorted stream of keys with prefix rollup: the shared listing logic for backends that
   * can enumerate keys in order. {@code next} yields keys in order starting after a bound.
   */
  interface SortedSource {
    /** The first entry whose key is strictly greater than {@code after} and starts with the prefix, or null. */
    ObjectInfo firstAfter(String after) throws java.io.IOException;
  }

  static ListPage paginate(SortedSource src, String prefix, String startAfter, String delimiter, int maxKeys)
      throws java.io.IOException {
    if (maxKeys <= 0) {
      throw new IllegalArgumentException("maxKeys must be positive");
    }
    String p = prefix == null ? "" : prefix;
    String d = delimiter == null ? "" : delimiter;
    String after = startAfter == null ? "" : startAfter;
    if (after.compareTo(p) < 0) {
      // Nothing before the prefix can match; starting just before it is equivalent.
      after = p.isEmpty() ? "" : before(p);
    }
    var objects = new java.util.ArrayList<ObjectInfo>();
    var prefixes = new java.util.ArrayList<String>();
    String last = null;
    while (true) {
      ObjectInfo o = src.firstAfter(after);
      if (o == null || !o.key().startsWith(p)) {
        return new ListPage(objects, prefixes, false, last == null ? "" : last);
      }
      if (objects.size() + prefixes.size() == maxKeys) {
        return new ListPage(objects, prefixes, true, last);
      }
      String rest = o.key().substring(p.length());
      int i = d.isEmpty() ? -1 : rest.indexOf(d);
      if (i >= 0) {
        String cp = p + rest.substring(0, i + d.length());
        if (!cp.equals(startAfter)) {
          prefixes.add(cp);
        }
        last = cp;
        after = cp + Character.MAX_VALUE;
      } else {
        objects.add(o);
        last = o.key();
        after = o.key();
      }
    }
  }

  /** A string that sorts immediately before {@code s} among keys that matter (s is non-empty). */
  private static String before(String s) {
    char c = s.charAt(s.length() - 1);
    return s.substring(0, s.length() - 1) + (char) (c - 1) + Character.MAX_VALUE;
  }
}
