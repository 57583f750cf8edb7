package io.nectarfs.cache;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Metrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;

/**
 * The client of one remote member's {@link PeerServer}: a few pooled, authenticated connections
 * that carry many requests at once.
 *
 * <h2>Failures</h2>
 *
 * Every call ends by {@code ctx}'s deadline or {@link Options#timeout}, whichever comes first; a
 * caller never hangs on a peer. A failure is an {@link IOException} the caller answers by falling
 * back to the object store:
 *
 * <ul>
 *   <li>{@link io.nectarfs.common.FsException} ETIMEDOUT (deadline passed), EINTR (cancelled),
 *       ECONNREFUSED (cannot connect), EIO (connection lost, protocol error), EACCES (the peer
 *       refused our key, or does not know it);
 *   <li>{@link io.nectarfs.object.CorruptObjectException} when a payload fails its CRC32C;
 *   <li>the errno the peer's provider failed with (ENOENT, ENOSPC, ...), as an FsException.
 * </ul>
 *
 * A lost connection is replaced on the next call (a restarted peer is reached again). Thread-safe.
 */
public interface PeerClient extends AutoCloseable {
  /** A client of the server at {@code address}; connects lazily, on the first call. */
  static PeerClient connect(InetSocketAddress address, GroupKey key, Options options, Metrics metrics) {
    return new NettyPeerClient(address, key, options, metrics);
  }

  /** The bytes {@code [off, off + len)} of block {@code key} of length {@code blockLen}, CRC-checked. */
  byte[] get(Ctx ctx, String key, int blockLen, int off, int len) throws IOException;

  /** Which of {@code keys} the peer has cached (bit {@code i} for {@code keys.get(i)}). */
  BitSet has(Ctx ctx, List<Key> keys) throws IOException;

  /** Asks the peer to bring {@code keys} into its cache; answers how many it warmed and how many failed. */
  Warmed warm(Ctx ctx, List<Key> keys) throws IOException;

  /**
   * Asks the peer to bring {@code keys} into its cache by reading each whole block from the member
   * at {@code from} (which fetches it from the object store if it must) instead of the object store:
   * a warm-up spreads the fetching of a busy member's share over idle ones.
   */
  Warmed warmFrom(Ctx ctx, InetSocketAddress from, List<Key> keys) throws IOException;

  /** Asks the peer to drop {@code keys} from its caches (blocks not yet uploaded stay); answers how many it dropped. */
  int evict(Ctx ctx, List<Key> keys) throws IOException;

  /**
   * Tells the peer that the group's membership changed (this member joined, or is leaving): it
   * re-reads the membership from the metadata now instead of at its next periodic refresh. A hint
   * only; the metadata stays the one source of the membership.
   */
  void membersChanged(Ctx ctx) throws IOException;

  /** The peer's cache state. */
  BlockProvider.Stats stats(Ctx ctx) throws IOException;

  /** The peer's address, as given. */
  InetSocketAddress address();

  /** Closes the connections; calls in flight fail with EIO. Idempotent. */
  @Override
  void close();

  /** A block: its object key and length. */
  record Key(String key, int blockLen) {
    public Key {
      if (key == null || key.isEmpty() || blockLen < 0) {
        throw new IllegalArgumentException("bad block key " + key + " of length " + blockLen);
      }
    }
  }

  /**
   * The outcome of {@link #warm}.
   *
   * @param warmed blocks now in the peer's cache (including those that were there)
   * @param failed blocks it could not fetch or keep (its log and metrics say why)
   */
  record Warmed(int warmed, int failed) {}

  /**
   * Settings of a client.
   *
   * @param timeout the longest any call may take (connecting included) when {@code ctx} has no
   *     earlier deadline
   * @param connections connections kept to the peer (requests are spread over them)
   * @param clock the time source of deadlines
   */
  record Options(Duration timeout, int connections, Clock clock) {
    /** 5 s, 2 connections, the system clock. */
    public static final Options DEFAULT = new Options(Duration.ofSeconds(5), 2, Clock.SYSTEM);

    public Options {
      if (timeout.isNegative() || timeout.isZero() || connections < 1 || clock == null) {
        throw new IllegalArgumentException("bad peer client options " + timeout + ", " + connections + " connections");
      }
    }

    public Options withTimeout(Duration t) {
      return new Options(t, connections, clock);
    }

    public Options withConnections(int n) {
      return new Options(timeout, n, clock);
    }

    public Options withClock(Clock c) {
      return new Options(timeout, connections, c);
    }
  }
}
