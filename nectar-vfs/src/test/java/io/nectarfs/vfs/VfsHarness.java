package io.nectarfs.vfs;

import io.nectarfs.chunk.ChunkConfig;
import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.chunk.ChunkStores;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Metrics;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * A whole client stack for tests: metadata on a named in-memory engine (or a SQLite file), objects
 * in a local directory or memory, the real chunk store and VFS. Several clients of one volume are
 * opened with the same harness.
 */
final class VfsHarness {
  final String metaUrl;
  final String storeUrl;
  final StoreOptions storeOptions;
  final Secrets secrets;
  final Path tmp;
  final int blockSize;

  VfsHarness(Path tmp, String metaUrl, String storeUrl, StoreOptions options, Secrets secrets, int blockSize) throws IOException {
    this(tmp, metaUrl, storeUrl, options, secrets, blockSize, 0);
  }

  /** A volume whose files up to {@code inlineSize} bytes keep their data in the metadata (0: none). */
  VfsHarness(Path tmp, String metaUrl, String storeUrl, StoreOptions options, Secrets secrets, int blockSize, int inlineSize) throws IOException {
    this.tmp = tmp;
    this.metaUrl = metaUrl;
    this.storeUrl = storeUrl;
    this.storeOptions = options;
    this.secrets = secrets;
    this.blockSize = blockSize;
    try (TxnKv kv = MetaEngines.registry().open(metaUrl, secrets)) {
      MetaClient.format(kv, Format.builder("vfs-test", storeUrl).blockSize(blockSize).checksum(false)
          .createdMillis(System.currentTimeMillis()).storageLayout(Format.LAYOUT_NAME).inlineSize(inlineSize).build(), true, io.nectarfs.common.Clock.SYSTEM);
    }
  }

  /** A memory-only volume with small blocks, so tests cross block boundaries cheaply. */
  static VfsHarness memory(Path tmp) throws IOException {
    String name = "vfs-" + UUID.randomUUID();
    return new VfsHarness(tmp, "mem://" + name, "mem://" + name, StoreOptions.raw(), new Secrets(java.util.Map.of()), 64 << 10);
  }

  ObjectStore openStore() throws IOException {
    return ObjectStores.registry().open(storeUrl, storeOptions, secrets);
  }

  /** A client: its own metadata session, chunk store (with the given cache/writeback settings) and VFS. */
  Client client(ChunkConfig chunkConfig, VfsConfig vfsConfig) throws IOException {
    MetaClient meta = MetaClient.open(MetaEngines.registry().open(metaUrl, secrets), MetaConfig.defaults().withHeartbeat(Duration.ofSeconds(2)));
    ObjectStore store = openStore();
    Metrics metrics = Metrics.create(); // one registry per client, as a volume has
    ChunkStore chunks = ChunkStores.open(store, chunkConfig, Clock.SYSTEM, metrics);
    if (meta.format().inlineSize() > 0) {
      chunks = Vfses.withInlineSlices(meta, chunks, io.nectarfs.object.StoredForm.of(storeOptions, secrets));
    }
    meta.onSliceFreed(chunks::remove);
    return new Client(meta, store, chunks, Vfses.open(meta, chunks, vfsConfig, Clock.SYSTEM, metrics));
  }

  Client client() throws IOException {
    return client(ChunkConfig.inMemory(blockSize), VfsConfig.defaults());
  }

  ChunkConfig diskCache(Path dir, boolean writeback) {
    return new ChunkConfig(blockSize, 64L << 20, 8, 4, List.of(dir), 1L << 30, 0.0, false, 16L << 20, writeback, 1L << 30, Duration.ZERO);
  }

  record Client(MetaClient meta, ObjectStore store, ChunkStore chunks, Vfs vfs) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      vfs.close();
    }
  }
}
