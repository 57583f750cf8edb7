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

  /** The same, registering the VFS meters in the process registry {@code metrics}. */
  public static Vfs open(Meta meta, ChunkStore chunks, VfsConfig config, Clock clock, Metrics metrics) {
    return new VfsImpl(meta, chunks, config, clock, metrics);
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
