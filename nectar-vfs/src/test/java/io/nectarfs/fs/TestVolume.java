package io.nectarfs.fs;

import io.nectarfs.chunk.ChunkConfig;
import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.chunk.ChunkStores;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import io.nectarfs.vfs.Vfs;
import io.nectarfs.vfs.VfsConfig;
import io.nectarfs.vfs.Vfses;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/** A volume for file-API tests: in-memory metadata engine and object store, 64 KiB blocks, the real chunk store and VFS. */
final class TestVolume implements AutoCloseable {
  static final int BLOCK = 64 << 10;
  final MetaClient meta;
  final ObjectStore store;
  final ChunkStore chunks;
  final Vfs vfs;
  final FileSystem fs;

  private TestVolume(MetaClient meta, ObjectStore store, ChunkStore chunks, Vfs vfs) {
    this.meta = meta;
    this.store = store;
    this.chunks = chunks;
    this.vfs = vfs;
    this.fs = new FileSystem(vfs);
  }

  static TestVolume open() throws IOException {
    String name = "fsapi-" + UUID.randomUUID();
    Secrets secrets = new Secrets(Map.of());
    try (TxnKv kv = MetaEngines.registry().open("mem://" + name, secrets)) {
      MetaClient.format(kv, new Format("fsapi-test", UUID.randomUUID().toString(), "mem://" + name, BLOCK, "none", null, null, false, 0, 0, 0, 0,
          Format.META_VERSION, System.currentTimeMillis()), true, io.nectarfs.common.Clock.SYSTEM);
    }
    AtomicReference<ChunkStore> ref = new AtomicReference<>();
    MetaClient meta = MetaClient.open(MetaEngines.registry().open("mem://" + name, secrets),
        MetaConfig.defaults().withHeartbeat(Duration.ofSeconds(2)).withDeleter((id, size) -> ref.get().remove(id, size)));
    ObjectStore store = ObjectStores.registry().open("mem://" + name, StoreOptions.raw(), secrets);
    ChunkStore chunks = ChunkStores.open(store, ChunkConfig.inMemory(BLOCK));
    ref.set(chunks);
    return new TestVolume(meta, store, chunks, Vfses.open(meta, chunks, VfsConfig.defaults()));
  }

  /** How many objects the store holds. */
  long objects() {
    long n = 0;
    for (var ignored : store.listAll("")) {
      n++;
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    vfs.close();
  }
}
