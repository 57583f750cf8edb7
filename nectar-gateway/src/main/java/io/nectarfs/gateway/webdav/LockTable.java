package io.nectarfs.gateway.webdav;

import io.nectarfs.common.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The WebDAV write locks of one server (RFC 4918 §6, §7): exclusive and shared, depth 0 or
 * infinity, each with a token ({@code opaquelocktoken:<uuid>}) and a timeout measured on the
 * injected {@link Clock}'s monotonic time. Locks live in this process only (a restart forgets
 * them, as RFC 4918 allows: clients see their token fail and lock again).
 *
 * <p>A lock on {@code R} covers {@code R} and, at depth infinity, everything below it. Changing a
 * resource needs the token of every lock covering it and of every lock on its parent collection
 * (adding or removing a member changes the collection), and a recursive change (DELETE, MOVE of a
 * collection) the tokens of all locks below too.
 *
 * <p>Concurrency: every method is {@code synchronized} on the table; expired locks are dropped
 * lazily by each call. The table is small (locks are taken by hand or by editors), so lookups scan
 * it.
 */
final class LockTable {
  /** Timeouts granted: at most this many seconds (a client asking for "Infinite" gets it too). */
  static final long MAX_TIMEOUT_SECONDS = 3600;

  /** One lock. {@code owner} is the client's DAV:owner XML as sent (or null). */
  record Lock(String token, String root, boolean infinite, boolean exclusive, String owner, long timeoutSeconds, long expiresNanos) {
    boolean covers(String path) {
      return path.equals(root) || infinite && DavPaths.within(path, root);
    }

    long secondsLeft(Clock clock) {
      return Math.max(0, (expiresNanos - clock.monotonicNanos()) / 1_000_000_000L);
    }
  }

  private final Clock clock;
  private final Map<String, Lock> byToken = new LinkedHashMap<>();

  LockTable(Clock clock) {
    this.clock = clock;
  }

  /** Grants a lock, or 423 (no-conflicting-lock) when an incompatible lock covers or lies below {@code path}. */
  synchronized Lock lock(String path, boolean infinite, boolean exclusive, String owner, long timeoutSeconds) throws DavException {
    expire();
    for (Lock l : byToken.values()) {
      boolean overlaps = l.covers(path) || infinite && DavPaths.within(l.root(), path);
      if (overlaps && (exclusive || l.exclusive())) {
        throw new DavException(423, "no-conflicting-lock", path + " is locked");
      }
    }
    long t = clamp(timeoutSeconds);
    Lock l = new Lock("opaquelocktoken:" + UUID.randomUUID(), path, infinite, exclusive, owner, t, clock.monotonicNanos() + t * 1_000_000_000L);
    byToken.put(l.token(), l);
    return l;
  }

  /** Renews the lock {@code token} that covers {@code path}; 412 (lock-token-matches-request-uri) when there is none. */
  synchronized Lock refresh(String path, String token, long timeoutSeconds) throws DavException {
    expire();
    Lock l = byToken.get(token);
    if (l == null || !l.covers(path)) {
      throw new DavException(412, "lock-token-matches-request-uri", "no lock " + token + " on " + path);
    }
    long t = clamp(timeoutSeconds);
    Lock renewed = new Lock(l.token(), l.root(), l.infinite(), l.exclusive(), l.owner(), t, clock.monotonicNanos() + t * 1_000_000_000L);
    byToken.put(token, renewed);
    return renewed;
  }

  /** Removes lock {@code token} if it covers {@code path}; 409 (lock-token-matches-request-uri) otherwise. */
  synchronized void unlock(String path, String token) throws DavException {
    expire();
    Lock l = byToken.get(token);
    if (l == null || !l.covers(path)) {
      throw new DavException(409, "lock-token-matches-request-uri", "no lock " + token + " on " + path);
    }
    byToken.remove(token);
  }

  /** The locks covering {@code path} (for lockdiscovery and If-header state tokens). */
  synchronized List<Lock> covering(String path) {
    expire();
    List<Lock> out = new ArrayList<>();
    for (Lock l : byToken.values()) {
      if (l.covers(path)) {
        out.add(l);
      }
    }
    return out;
  }

  /** The lock with this token, if it is live. */
  synchronized Lock get(String token) {
    expire();
    return byToken.get(token);
  }

  /**
   * Checks that a change of {@code path} may go ahead with the {@code submitted} tokens: 423
   * (lock-token-submitted) naming the first lock whose token is missing.
   */
  synchronized void checkWrite(String path, boolean recursive, Collection<String> submitted) throws DavException {
    expire();
    String parent = DavPaths.parent(path);
    for (Lock l : byToken.values()) {
      boolean relevant = l.covers(path) || parent != null && l.root().equals(parent) || recursive && DavPaths.within(l.root(), path);
      if (relevant && !submitted.contains(l.token())) {
        throw new DavException(423, "lock-token-submitted", l.root() + " is locked");
      }
    }
  }

  /** Drops the locks rooted at or below {@code path} (it was deleted or moved away). */
  synchronized void removeBelow(String path) {
    byToken.values().removeIf(l -> DavPaths.within(l.root(), path));
  }

  synchronized int size() {
    expire();
    return byToken.size();
  }

  private void expire() {
    long now = clock.monotonicNanos();
    byToken.values().removeIf(l -> now - l.expiresNanos() >= 0);
  }

  private static long clamp(long seconds) {
    return seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS ? MAX_TIMEOUT_SECONDS : seconds;
  }
}
