package io.nectarfs.cli;

import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.chunk.ChunkStores;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.SliceDeleter;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.vfs.Vfs;
import io.nectarfs.vfs.Vfses;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The whole client stack of one volume for a command: metadata session, object storage, chunk
 * store and VFS. Closing the VFS closes the rest.
 */
final class VolumeRuntime implements AutoCloseable {
  final MetaClient meta;
  final ObjectStore store;
  final ChunkStore chunks;
  final Vfs vfs;

  private VolumeRuntime(MetaClient meta, ObjectStore store, ChunkStore chunks, Vfs vfs) {
    this.meta = meta;
    this.store = store;
    this.chunks = chunks;
    this.vfs = vfs;
  }

  static VolumeRuntime open(String metaUrl, DataOptions data, String mountPoint, boolean readOnly) throws IOException {
    AtomicReference<ChunkStore> chunkRef = new AtomicReference<>();
    SliceDeleter deleter = (id, size) -> {
      ChunkStore c = chunkRef.get();
      if (c == null) {
        throw new IOException("chunk store not ready");
      }
      c.remove(id, size);
    };
    MetaClient meta = MetaClient.open(Volumes.engine(metaUrl),
        MetaConfig.defaults().withDeleter(deleter).withMountPoint(mountPoint).withReadOnly(readOnly));
    try {
      Format f = meta.format();
      ObjectStore store = Volumes.storage(f, readOnly);
      ChunkStore chunks = ChunkStores.open(store, data.chunkConfig(f.blockSize(), f.uuid()));
      chunkRef.set(chunks);
      return new VolumeRuntime(meta, store, chunks, Vfses.open(meta, chunks, data.vfsConfig()));
    } catch (IOException | RuntimeException e) {
      meta.close();
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    vfs.close();
  }
}
