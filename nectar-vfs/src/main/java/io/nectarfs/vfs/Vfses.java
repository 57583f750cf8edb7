package io.nectarfs.vfs;

import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.common.Clock;
import io.nectarfs.meta.Meta;

/** Creates the VFS of a volume. */
public final class Vfses {
  private Vfses() {}

  /**
   * A VFS over {@code meta} and {@code chunks}; it owns both and closes them. The metadata's
   * {@link io.nectarfs.meta.SliceDeleter} should be {@code chunks::remove}.
   */
  public static Vfs open(Meta meta, ChunkStore chunks, VfsConfig config) {
    return new VfsImpl(meta, chunks, config, Clock.SYSTEM);
  }
}
