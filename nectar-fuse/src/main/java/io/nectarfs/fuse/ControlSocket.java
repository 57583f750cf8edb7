package io.nectarfs.fuse;

import io.nectarfs.fuse.linux.FdPassing;
import io.nectarfs.fuse.linux.LibC;
import io.nectarfs.fuse.linux.NativeException;
import io.nectarfs.fuse.linux.UnixSockets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control socket of a running mount (issue #17): where a successor process asks the mount's
 * server to hand over. One per mount, found from the mount point alone:
 *
 * <ul>
 *   <li>Directory: {@code /run/nectar} for a mount by root; {@code /run/user/UID/nectar} for a
 *       user's mount when the user's runtime directory exists (systemd's {@code
 *       $XDG_RUNTIME_DIR}), {@code /tmp/nectar-UID} otherwise. Created 0700; one that exists must
 *       be a directory (not a link) owned by the mount's owner with mode 0700, or it is not used.
 *   <li>Name: {@code mount-} and the first 16 hex digits of the SHA-256 of the mount point's
 *       absolute path, {@code .sock}; the socket is 0600.
 *   <li>Who may ask: the server reads the peer's credentials ({@code SO_PEERCRED}) and serves only
 *       root and the mount's owner; anyone else gets, after its request (read so that its send
 *       does not fail on a closed socket), one refusal frame, and the log a warning.
 *       The client checks the listener the same way: its uid must be the mount's owner, so a
 *       socket someone else placed is never trusted.
 *   <li>Replacing: a new server binds a temporary name and renames it over the path, so a
 *       successor takes the path from its predecessor atomically; a server removes the path on
 *       close only while it is still its own socket.
 * </ul>
 *
 * <p>Messages are frames ({@link UnixSockets#send}) of UTF-8 JSON; descriptors travel with a frame.
 *
 * <p>Concurrency: one accept thread serves one connection at a time (a second asker waits in the
 * backlog); {@link #close} stops it and waits for the connection in progress.
 */
public final class ControlSocket implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlSocket.class);
  private static final int REFUSED_REQUEST_BYTES = 64 << 10;
  private static final int REFUSED_REQUEST_MILLIS = 5_000;
  private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");

  /** A NectarFS mount as {@code /proc/self/mountinfo} shows it: its point and its owner's uid. */
  public record Target(Path mountpoint, int ownerUid, String source) {}

  /** Serves one connection of an allowed peer; the socket closes when it returns. */
  public interface Handler {
    void handle(Connection c) throws IOException;
  }

  private final Path path;
  private final Object fileKey;
  private final int listening;
  private final int ownerUid;
  private final Handler handler;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread acceptor;

  private ControlSocket(Path path, Object fileKey, int listening, int ownerUid, Handler handler) {
    this.path = path;
    this.fileKey = fileKey;
    this.listening = listening;
    this.ownerUid = ownerUid;
    this.handler = handler;
    this.acceptor = Thread.ofPlatform().daemon(true).name("nectar-control").unstarted(this::acceptLoop);
  }

  /** The NectarFS mount exactly at {@code path} (absolute, links resolved), if it is one. */
  public static Optional<Target> find(Path path) throws IOException {
    Path mp = path.toAbsolutePath().normalize();
    if (Files.isDirectory(mp)) {
      mp = mp.toRealPath();
    }
    Optional<MountInfo.Line> l = MountInfo.find(mp);
    if (l.isEmpty() || !l.get().fsType().equals(FuseMount.FS_TYPE)) {
      return Optional.empty();
    }
    int uid = -1;
    for (String o : l.get().options().split(",")) {
      if (o.startsWith("user_id=")) {
        uid = Integer.parseInt(o.substring(8));
      }
    }
    return uid < 0 ? Optional.empty() : Optional.of(new Target(mp, uid, l.get().source()));
  }

  /** The uid of this process. */
  public static int currentUid() {
    return LibC.getuid();
  }

  /** The directory of the control sockets of {@code ownerUid}'s mounts (see the class comment). */
  public static Path directory(int ownerUid) {
    if (ownerUid == 0) {
      return Path.of("/run/nectar");
    }
    Path runtime = Path.of("/run/user", Integer.toString(ownerUid));
    return Files.isDirectory(runtime) ? runtime.resolve("nectar") : Path.of("/tmp", "nectar-" + ownerUid);
  }

  /** Where the control socket of the mount at {@code mountpoint} (absolute) owned by {@code ownerUid} is. */
  public static Path path(Path mountpoint, int ownerUid) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(mountpoint.toString().getBytes(StandardCharsets.UTF_8));
      return directory(ownerUid).resolve("mount-" + HexFormat.of().formatHex(h, 0, 8) + ".sock");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Where the keeper of the mount at {@code mountpoint} (absolute) listens: in this user's control
   * socket directory (made 0700 if missing, refused if not this user's), {@code
   * keeper-<16 hex>-<pid>.sock}. The keeper makes it 0600 and serves only root and this user.
   */
  public static Path keeperPath(Path mountpoint) throws IOException {
    int owner = currentUid();
    Path p = path(mountpoint, owner);
    checkDirectory(p.getParent(), owner, true);
    return p.resolveSibling(p.getFileName().toString().replace("mount-", "keeper-").replace(".sock", "-" + ProcessHandle.current().pid() + ".sock"));
  }

  /**
   * Listens at the control socket of {@code mountpoint}, served by this process (its uid the
   * owner), replacing whatever socket was at the path.
   */
  public static ControlSocket listen(Path mountpoint, Handler handler) throws IOException {
    int owner = currentUid();
    Path p = path(mountpoint, owner);
    checkDirectory(p.getParent(), owner, true);
    return listenAt(p, owner, "rw-------", handler);
  }

  /** Listens at {@code p} (replacing what is there) with {@code mode}, serving root and {@code owner}; tests use other modes and owners. */
  static ControlSocket listenAt(Path p, int owner, String mode, Handler handler) throws IOException {
    Path tmp = p.resolveSibling("." + p.getFileName() + "." + ProcessHandle.current().pid());
    Files.deleteIfExists(tmp);
    int fd = UnixSockets.listen(tmp);
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
      Object key = Files.readAttributes(tmp, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
      Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      ControlSocket s = new ControlSocket(p, key, fd, owner, handler);
      s.acceptor.start();
      return s;
    } catch (IOException | RuntimeException e) {
      FdPassing.closeQuietly(fd);
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  /**
   * Connects to the control socket of {@code target}: the directory and the listener must belong
   * to the mount's owner.
   *
   * @throws IOException one line: no socket (the mount runs an older build, or not from {@code
   *     nectar mount}), a directory or listener of someone else, permission denied
   */
  public static Connection connect(Target target) throws IOException {
    Path p = path(target.mountpoint(), target.ownerUid());
    checkDirectory(p.getParent(), target.ownerUid(), false);
    int fd;
    try {
      fd = UnixSockets.connect(p);
    } catch (NativeException e) {
      throw new IOException("cannot reach the control socket of " + target.mountpoint() + " (" + p + "): " + e.getMessage()
          + (e.errno() == LibC.ENOENT || e.errno() == 111 ? "; the mount was not started by a nectar mount that offers takeover" : ""));
    }
    Connection c = new Connection(fd, UnixSockets.peer(fd));
    if (c.peer().uid() != target.ownerUid()) {
      c.close();
      throw new IOException("the control socket " + p + " is served by uid " + c.peer().uid() + ", not by the mount's owner (uid "
          + target.ownerUid() + "): not trusted");
    }
    return c;
  }

  private static void checkDirectory(Path dir, int owner, boolean create) throws IOException {
    if (create && !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      try {
        Files.createDirectories(dir.getParent());
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // a racing mount made it: checked below
      }
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("control socket directory " + dir + " does not exist or is not a directory");
    }
    int uid = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
    if (uid != owner || !mode.equals(DIR_MODE)) {
      throw new IOException("control socket directory " + dir + " must be owned by uid " + owner + " with mode 0700 (it is uid " + uid
          + ", " + PosixFilePermissions.toString(mode) + "): not used");
    }
  }

  /** Where this socket listens. */
  public Path path() {
    return path;
  }

  private void acceptLoop() {
    while (!closed.get()) {
      int fd;
      try {
        fd = UnixSockets.accept(listening, 250);
      } catch (NativeException e) {
        if (!closed.get()) {
          log.warn("control socket {}: {}", path, e.getMessage());
        }
        return;
      }
      if (fd < 0) {
        continue;
      }
      try (Connection c = new Connection(fd, UnixSockets.peer(fd))) {
        if (c.peer().uid() != 0 && c.peer().uid() != ownerUid) {
          log.warn("control socket {}: refused a request from uid {} (pid {}): only root and the mount's owner (uid {}) may ask", path,
              c.peer().uid(), c.peer().pid(), ownerUid);
          // Read the request before answering: closing first would fail the peer's send with EPIPE
          // and it would never see why. Bounded, so a silent peer holds the loop at most this long.
          try {
            UnixSockets.Frame request = c.receive(REFUSED_REQUEST_BYTES, REFUSED_REQUEST_MILLIS);
            if (request != null) {
              UnixSockets.closeAll(request.fds());
            }
          } catch (IOException e) {
            // silent, too long or gone: it gets the refusal anyway if it still listens
          }
          c.send(("{\"ok\":false,\"error\":\"permission denied: only root and the mount's owner (uid " + ownerUid
              + ") may ask for a handover\"}").getBytes(StandardCharsets.UTF_8));
          continue;
        }
        handler.handle(c);
      } catch (IOException | RuntimeException e) {
        log.warn("control socket {}: a request failed: {}", path, e.toString());
      }
    }
  }

  /** Stops listening; removes the socket file if it is still this one's (a successor may have replaced it). */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (Thread.currentThread() != acceptor) {
      try {
        acceptor.join(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    FdPassing.closeQuietly(listening);
    try {
      Object now = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
      if (now.equals(fileKey)) {
        Files.delete(path);
      }
    } catch (IOException e) {
      // gone already, or replaced: nothing to remove
    }
  }

  /** One connection: frames of bytes, descriptors with some, the peer's credentials. */
  public static final class Connection implements AutoCloseable {
    private final int fd;
    private final UnixSockets.Peer peer;

    Connection(int fd, UnixSockets.Peer peer) {
      this.fd = fd;
      this.peer = peer;
    }

    /** Who is at the other end (as the kernel saw it at connect). */
    public UnixSockets.Peer peer() {
      return peer;
    }

    public void send(byte[] frame) throws IOException {
      UnixSockets.send(fd, frame, new int[0]);
    }

    /** Sends {@code frame} with duplicates of {@code fds} (the sender keeps its own). */
    public void send(byte[] frame, int[] fds) throws IOException {
      UnixSockets.send(fd, frame, fds);
    }

    /** The next frame, null when the peer closed; fails after {@code timeoutMillis} without one. */
    public UnixSockets.Frame receive(int maxBytes, int timeoutMillis) throws IOException {
      return UnixSockets.receive(fd, maxBytes, timeoutMillis);
    }

    @Override
    public void close() {
      FdPassing.closeQuietly(fd);
    }
  }
}
