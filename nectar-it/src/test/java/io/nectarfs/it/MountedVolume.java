package io.nectarfs.it;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Secrets;
import io.nectarfs.fuse.FuseServer;
import io.nectarfs.fuse.MountOptions;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.vfs.VfsConfig;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * A real mount of a fresh volume (SQLite metadata, local-directory storage, disk cache) in a
 * temporary directory, opened with {@link Volume} and served in this JVM. Needs root and /dev/fuse; outside CI their absence
 * skips the tests, with CI=true it fails them.
 */
final class MountedVolume implements AutoCloseable {
  final Path base;
  final Path mnt;
  final Volume volume;
  final MetaClient meta;
  final ObjectStore store;
  final FuseServer server;

  private MountedVolume(Path base, Path mnt, Volume volume, FuseServer server) {
    this.base = base;
    this.mnt = mnt;
    this.volume = volume;
    this.meta = volume.meta();
    this.store = volume.storage();
    this.server = server;
  }

  static void requireFuse() {
    boolean ok = Files.exists(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name"));
    if (!ok) {
      String msg = "mount tests need root and /dev/fuse";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError("CI=true and " + msg);
      }
      Assumptions.abort(msg);
    }
  }

  static MountedVolume mount(Path base, int trashDays, MountOptions.Builder opts) throws IOException, InterruptedException {
    requireFuse();
    Files.createDirectories(base);
    String metaUrl = "sqlite3://" + base.resolve("meta.db");
    String storeUrl = "file://" + base.resolve("data");
    try (TxnKv kv = MetaEngines.registry().open(metaUrl, new Secrets(Map.of()))) {
      // Small files inline, as on a volume a new user formats.
      MetaClient.format(kv, Format.builder("it-vol", storeUrl).trashDays(trashDays).createdMillis(System.currentTimeMillis())
          .storageLayout(Format.LAYOUT_NAME).inlineSize(Format.DEFAULT_INLINE).build(), false, Clock.SYSTEM);
    }
    return serve(base, opts);
  }

  /** A fresh volume formatted with POSIX ACLs enabled. */
  static MountedVolume mountWithAcl(Path base, MountOptions.Builder opts) throws IOException, InterruptedException {
    requireFuse();
    Files.createDirectories(base);
    String metaUrl = "sqlite3://" + base.resolve("meta.db");
    String storeUrl = "file://" + base.resolve("data");
    try (TxnKv kv = MetaEngines.registry().open(metaUrl, new Secrets(Map.of()))) {
      MetaClient.format(kv, Format.builder("it-vol", storeUrl).createdMillis(System.currentTimeMillis()).enableAcl(true)
          .storageLayout(Format.LAYOUT_NAME).build(), false, Clock.SYSTEM);
    }
    return serve(base, opts);
  }

  /** Mounts the volume formatted earlier under {@code base} again. */
  static MountedVolume remount(Path base) throws IOException, InterruptedException {
    return serve(base, MountOptions.builder().allowOther(true).defaultPermissions(true));
  }

  /** Mounts the volume formatted earlier under {@code base} again, with {@code opts}. */
  static MountedVolume remount(Path base, MountOptions.Builder opts) throws IOException, InterruptedException {
    return serve(base, opts);
  }

  private static MountedVolume serve(Path base, MountOptions.Builder opts) throws IOException, InterruptedException {
    return serve(base, "mnt", opts);
  }

  /** A second client of the volume under {@code base}, mounted at {@code base/<dir>}. */
  static MountedVolume secondClient(Path base, String dir) throws IOException, InterruptedException {
    return serve(base, dir, MountOptions.builder().allowOther(true).defaultPermissions(true).keepCache(true));
  }

  private static MountedVolume serve(Path base, String dir, MountOptions.Builder opts) throws IOException, InterruptedException {
    return serve(base, dir, opts, VfsConfig.defaults(), Clock.SYSTEM);
  }

  /**
   * A fresh volume with a capacity (0: none), served with {@code vfsConfig}; {@code vfsClock} is
   * the clock of the VFS (access-time decisions), the metadata keeps the system clock.
   */
  static MountedVolume mountWith(Path base, long capacity, VfsConfig vfsConfig, Clock vfsClock) throws IOException, InterruptedException {
    requireFuse();
    Files.createDirectories(base);
    String metaUrl = "sqlite3://" + base.resolve("meta.db");
    String storeUrl = "file://" + base.resolve("data");
    try (TxnKv kv = MetaEngines.registry().open(metaUrl, new Secrets(Map.of()))) {
      MetaClient.format(kv, Format.builder("it-vol", storeUrl).capacity(capacity).createdMillis(System.currentTimeMillis())
          .storageLayout(Format.LAYOUT_NAME).build(), false, Clock.SYSTEM);
    }
    return serve(base, "mnt", MountOptions.builder().allowOther(true).defaultPermissions(true), vfsConfig, vfsClock);
  }

  private static MountedVolume serve(Path base, String dir, MountOptions.Builder opts, VfsConfig vfsConfig, Clock vfsClock)
      throws IOException, InterruptedException {
    Path mnt = Files.createDirectories(base.resolve(dir));
    String metaUrl = "sqlite3://" + base.resolve("meta.db");
    CacheOptions cache = CacheOptions.builder().cacheDirs(List.of(base.resolve("cache-" + dir))).cacheSize(4L << 30).freeSpaceRatio(0.05)
        .bufferSize(256L << 20).uploadThreads(16).downloadThreads(8).build();
    Volume volume = Volume.open(metaUrl, VolumeOptions.defaults().withSecrets(new Secrets(Map.of())).withCache(cache).withVfsConfig(vfsConfig)
        .withVfsClock(vfsClock).withClientName(mnt.toString()));
    FuseServer server;
    try {
      server = FuseServer.mount(volume.vfs(), mnt, opts.volumeName("it-vol").build());
    } catch (IOException | RuntimeException e) {
      volume.close();
      throw e;
    }
    if (!server.awaitInit(Duration.ofSeconds(20))) {
      server.close();
      volume.close();
      throw new IOException("FUSE INIT did not happen");
    }
    return new MountedVolume(base, mnt, volume, server);
  }

  static MountedVolume mount(Path base) throws IOException, InterruptedException {
    return mount(base, 0, MountOptions.builder().allowOther(true).defaultPermissions(true).locks(true));
  }

  /** Runs a shell command in {@code dir}; returns its output; fails with the output on a non-zero exit. */
  static String sh(Path dir, String command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("bash", "-c", command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    int rc = p.waitFor();
    if (rc != 0) {
      throw new AssertionError("`" + command + "` exited with " + rc + ":\n" + out);
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    server.close();
    volume.close();
  }

  /** Whether process {@code pid} has {@code /dev/fuse} open (serves a mount). */
  static boolean holdsDevFuse(long pid) {
    try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return fds.anyMatch(f -> {
        try {
          return Files.readSymbolicLink(f).toString().equals("/dev/fuse");
        } catch (IOException e) {
          return false;
        }
      });
    } catch (IOException e) {
      return false;
    }
  }
}
