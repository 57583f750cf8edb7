package io.nectarfs.cache;

import io.nectarfs.common.Metrics;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A member's peer server: answers the group's get, has, warm and stats requests from its {@link
 * BlockProvider}, to clients that prove they know the {@link GroupKey} (protocol in {@code
 * docs/cache-group.md}, "Peer protocol").
 *
 * <p>Each request runs on its own virtual thread, so a provider that fetches from the object store
 * holds no network thread. {@link #close} stops accepting, lets the requests in flight finish and
 * be sent, then closes every connection.
 */
public interface PeerServer extends AutoCloseable {
  /**
   * Listens on {@code address} (port 0: any free port, see {@link #port}).
   *
   * @throws IOException naming the address when it cannot be bound (port taken, no such address)
   */
  static PeerServer start(InetSocketAddress address, GroupKey key, BlockProvider provider, Metrics metrics) throws IOException {
    return NettyPeerServer.start(address, key, provider, metrics);
  }

  /** The port it listens on. */
  int port();

  /**
   * What a peer's {@link PeerClient#membersChanged} runs here (the group's refresh); it must not
   * block: it runs on the request's thread before the answer goes out. Nothing until set.
   */
  void onMembersChanged(Runnable action);

  /** Stops accepting, waits for the requests in flight (sending their answers), closes. Idempotent. */
  @Override
  void close();
}
