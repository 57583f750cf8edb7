package io.nectarfs.csi.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy in front of the mock API server that the tests can cut: {@link #cut} closes every
 * client's connection and refuses new ones (accepts and closes them at once), {@link #restore}
 * lets them through again. The mock server and its objects stay as they are, and so do its ends
 * of the cut connections, as in a network partition: they are held open, unread, until {@link
 * #restore}. (Closing them at the cut made the mock server write watch events to sockets it had
 * not yet seen close; its websocket then blocked its only event loop for 30 s per socket, and the
 * API server stayed dead after the restore.)
 *
 * <p>Concurrency: one virtual thread accepts, two per connection copy bytes. {@link #open} holds
 * the live sockets, {@link #held} the server ends kept open by a cut; {@code refusing} is
 * volatile, so a connection accepted after {@link #cut} returns is closed before any byte passes.
 */
final class TcpProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Set<Socket> upstreams = ConcurrentHashMap.newKeySet();
  private final Set<Socket> held = ConcurrentHashMap.newKeySet();
  private volatile boolean refusing;

  TcpProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().name("proxy-accept").start(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  void cut() {
    refusing = true;
    for (Socket s : open) {
      if (upstreams.contains(s)) {
        held.add(s); // before the client's end closes: its pipes then leave this one open
      }
    }
    for (Socket s : open) {
      if (!upstreams.contains(s)) {
        closeQuietly(s);
      }
    }
    open.clear();
  }

  void restore() {
    refusing = false;
    closeHeld();
  }

  private void closeHeld() {
    for (Socket s : held) {
      closeQuietly(s);
      upstreams.remove(s);
    }
    held.clear();
  }

  private void accept() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      if (refusing) {
        closeQuietly(client);
        continue;
      }
      try {
        Socket upstream = new Socket(target.getAddress(), target.getPort());
        upstreams.add(upstream);
        open.add(client);
        open.add(upstream);
        if (refusing) { // cut while connecting: no byte passed, so no watch to hold
          closeQuietly(client);
          closeQuietly(upstream);
          upstreams.remove(upstream);
          held.remove(upstream);
          continue;
        }
        Thread.ofVirtual().start(() -> pipe(client, upstream));
        Thread.ofVirtual().start(() -> pipe(upstream, client));
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  private void pipe(Socket from, Socket to) {
    byte[] buf = new byte[16 << 10];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // closed: the other direction ends too
    } finally {
      for (Socket s : new Socket[] {from, to}) {
        if (!held.contains(s)) {
          closeQuietly(s);
          upstreams.remove(s);
        }
        open.remove(s);
      }
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    cut();
    closeHeld();
  }
}
