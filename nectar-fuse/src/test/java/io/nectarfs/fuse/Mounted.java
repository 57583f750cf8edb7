package io.nectarfs.fuse;

import io.nectarfs.fuse.linux.DevFuse;
import io.nectarfs.fuse.linux.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A MemVfs mounted for real in a fresh temporary directory. {@link #close} stops the server and
 * makes sure nothing stays mounted, even after a failed test.
 *
 * <p>Needs {@code /dev/fuse} and root (or {@code fusermount3}). Outside CI a missing device skips
 * the test with a message; with {@code CI=true} it fails: CI never silently skips.
 */
final class Mounted implements AutoCloseable {
  final MemVfs vfs;
  final FuseServer server;
  final Path dir;

  private Mounted(MemVfs vfs, FuseServer server, Path dir) {
    this.vfs = vfs;
    this.server = server;
    this.dir = dir;
  }

  static void requireFuse() {
    Path dev = Path.of(DevFuse.DEVICE);
    boolean ok = Files.isReadable(dev) && Files.isWritable(dev)
        && (LibC.getuid() == 0 || Files.isExecutable(Path.of("/usr/bin/fusermount3")));
    if (ok) {
      return;
    }
    String msg = "/dev/fuse is not usable here (needs the device and root or fusermount3; install fuse3)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("CI=true and " + msg);
    }
    Assumptions.abort(msg);
  }

  /**
   * {@code mem}, but while {@code armed} each call of the Vfs method {@code method} counts down
   * {@code held} and waits (up to 10 minutes) for {@code release} before it runs.
   */
  static io.nectarfs.vfs.Vfs holding(MemVfs mem, String method, java.util.concurrent.atomic.AtomicBoolean armed,
      java.util.concurrent.CountDownLatch held, java.util.concurrent.CountDownLatch release) {
    return (io.nectarfs.vfs.Vfs) java.lang.reflect.Proxy.newProxyInstance(io.nectarfs.vfs.Vfs.class.getClassLoader(),
        new Class<?>[] {io.nectarfs.vfs.Vfs.class}, (proxy, m, args) -> {
          if (m.getName().equals(method) && armed.get()) {
            held.countDown();
            release.await(10, TimeUnit.MINUTES);
          }
          try {
            return m.invoke(mem, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  static Path newDir() throws IOException {
    return Files.createTempDirectory("nectar-fuse-test-");
  }

  static Mounted start(MountOptions o) throws Exception {
    requireFuse();
    MemVfs vfs = new MemVfs();
    Path dir = newDir();
    FuseServer s = FuseServer.mount(vfs, dir, o);
    if (!s.awaitInit(Duration.ofSeconds(10))) {
      s.close();
      throw new AssertionError("INIT not received within 10 s");
    }
    return new Mounted(vfs, s, dir);
  }

  Path path(String name) {
    return dir.resolve(name);
  }

  @Override
  public void close() throws IOException {
    server.close();
    cleanup(dir);
  }

  /** Unmounts (lazily) whatever is still mounted at {@code dir} and removes it. */
  static void cleanup(Path dir) throws IOException {
    if (FuseMount.isMounted(dir)) {
      DevFuse.umount2(dir.toString(), LibC.MNT_DETACH);
    }
    Files.deleteIfExists(dir);
  }

  /** What a command printed and its exit code. */
  record Result(int code, String out, String err) {
    Result ok() {
      if (code != 0) {
        throw new AssertionError("exit " + code + ": " + err + out);
      }
      return this;
    }
  }

  /** Runs a command with a timeout (killing it then), never hanging a test. */
  static Result run(Duration timeout, List<String> cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile("nectar-fuse-out", ".txt");
    Path err = Files.createTempFile("nectar-fuse-err", ".txt");
    try {
      Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("timed out after " + timeout + ": " + cmd);
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  static Result sh(String script) throws IOException, InterruptedException {
    return run(Duration.ofSeconds(120), List.of("bash", "-c", script));
  }
}
