package io.nectarfs.fuse;

import io.nectarfs.fuse.linux.FdPassing;
import io.nectarfs.fuse.linux.NativeException;
import io.nectarfs.fuse.wire.InitState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Everything a process needs to serve a FUSE connection it did not open: the descriptors (the
 * mounted one first, then clones) and what INIT negotiated. This is the handover seam: {@link
 * #sendTo} passes it to a successor over a Unix socket (SCM_RIGHTS), {@link #receiveFrom} takes it
 * there, so an upgrade or a crash never breaks the mount point.
 *
 * @param mountpoint where the connection is mounted
 * @param fds the descriptors, the mounted one first
 * @param init the negotiated INIT state
 */
public record FuseSession(String mountpoint, int[] fds, InitState init) {
  private static final int MAX_FDS = 64;

  public FuseSession {
    fds = fds.clone();
  }

  @Override
  public int[] fds() {
    return fds.clone();
  }

  /** The payload that travels with the descriptors: the INIT state and the mount point. */
  public byte[] encode() {
    byte[] state = init.encode();
    byte[] mp = mountpoint.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(4 + state.length + 4 + mp.length).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(state.length).put(state).putInt(mp.length).put(mp).array();
  }

  /** Sends the descriptors and the state over a connected Unix socket. */
  public void sendTo(int socket) throws NativeException {
    FdPassing.send(socket, fds, encode());
  }

  /** Receives a session sent with {@link #sendTo}. */
  public static FuseSession receiveFrom(int socket) throws NativeException {
    FdPassing.Received r = FdPassing.receive(socket, MAX_FDS, 64 * 1024);
    ByteBuffer b = ByteBuffer.wrap(r.payload()).order(ByteOrder.LITTLE_ENDIAN);
    if (r.fds().length == 0 || b.remaining() < 4) {
      throw new IllegalStateException("no FUSE session received (peer closed?)");
    }
    byte[] state = new byte[b.getInt()];
    b.get(state);
    byte[] mp = new byte[b.getInt()];
    b.get(mp);
    return new FuseSession(new String(mp, StandardCharsets.UTF_8), r.fds(), InitState.decode(state));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FuseSession s && s.mountpoint.equals(mountpoint) && Arrays.equals(s.fds, fds) && s.init.equals(init);
  }

  @Override
  public int hashCode() {
    return mountpoint.hashCode() * 31 + Arrays.hashCode(fds);
  }

  @Override
  public String toString() {
    return "FuseSession[" + mountpoint + ", fds=" + Arrays.toString(fds) + ", " + init + "]";
  }
}
