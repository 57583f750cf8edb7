package io.nectarfs.vfs;

import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Metrics;
import io.nectarfs.meta.Meta;

/** Creates the VFS of a volume. */
public final class Vfses {
  private Vfses() {}

  /**
   * A VFS over {@code meta} and {@code chunks}; it owns both and closes them. The caller
   * registers {@code chunks::remove} with {@link Meta#onSliceFreed} (front ends use {@code
   * io.nectarfs.volume.Volume}, which does all of this).
   */
  public static Vfs open(Meta meta, ChunkStore chunks, VfsConfig config) {
    return open(meta, chunks, config, Clock.SYSTEM);
  }

  /**
   * The same with the clock that decides access-time updates, the expiry of cached attributes and
   * slices, and when written data is committed in the background (tests inject one).
   */
  public static Vfs open(Meta meta, ChunkStore chunks, VfsConfig config, Clock clock) {
    return open(meta, chunks, config, clock, Metrics.create());
  }

  /**
   * {@code chunks} with the slices of small files inline in the metadata: reads of inline slices
   * ({@link io.nectarfs.meta.Slice#INLINE}) are served from {@code meta}, decoded with {@code
   * form} (the volume's object store stack: compression, encryption, checksums), and a VFS opened
   * over the result puts a flushed slice inline when the file is then at most {@code
   * meta.format().inlineSize()} bytes long (0: never, but inline slices written earlier are still
   * read). The result owns {@code chunks}.
   */
  public static ChunkStore withInlineSlices(Meta meta, ChunkStore chunks, io.nectarfs.object.StoredForm form) {
    return new InlineSlices(meta, chunks, form, meta.format().inlineSize());
  }

  /** The same, registering the VFS meters in the process registry {@code metrics}. */
  public static Vfs open(Meta meta, ChunkStore chunks, VfsConfig config, Clock clock, Metrics metrics) {
    return new VfsImpl(meta, chunks, config, clock, metrics);
  }

  /**
   * {@code vfs} with the access log: every operation is logged while somebody reads {@code
   * /.accesslog} from the returned VFS's root (root and the owner of this process only; see
   * docs/access-log.md). When nobody reads, an operation costs one volatile read more. Wrap the
   * VFS front ends serve last, so the log shows callers and inodes as the kernel sends them.
   */
  public static Vfs withAccessLog(Vfs vfs, Clock clock) {
    return new AccessLogVfs(vfs, new AccessLog(clock, AccessLog.DEFAULT_CAPACITY, java.util.concurrent.TimeUnit.SECONDS.toNanos(1)), processUid());
  }

  /**
   * Writes the access log of {@code vfs} (one made by {@link #withAccessLog}) to {@code file} as
   * well, created 0600, appending, until the VFS closes (or the returned handle is closed).
   *
   * @throws IllegalArgumentException if {@code vfs} has no access log (internal files off)
   */
  public static AutoCloseable writeAccessLog(Vfs vfs, java.nio.file.Path file) throws java.io.IOException {
    if (!(vfs instanceof AccessLogVfs a)) {
      throw new IllegalArgumentException("this mount has no access log (internal files are off)");
    }
    return a.writeTo(file);
  }

  /** The uid this process runs as (the mount owner), or 0 when it cannot be told. */
  static int processUid() {
    try {
      return (Integer) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid");
    } catch (java.io.IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * The same file system with directory {@code path} (absolute within the volume) as its root:
   * what a {@code --subdir} mount serves. ENOENT/ENOTDIR when the path is not a directory.
   */
  public static Vfs subdir(Vfs vfs, String path) throws java.io.IOException {
    io.nectarfs.fs.FileSystem.Stat s = new io.nectarfs.fs.FileSystem(vfs).stat(io.nectarfs.common.Ctx.ROOT, path);
    if (!s.attr().isDir()) {
      throw io.nectarfs.common.Errno.ENOTDIR.exception(path);
    }
    return s.ino() == io.nectarfs.meta.Meta.ROOT ? vfs : new SubdirVfs(vfs, s.ino());
  }
}
