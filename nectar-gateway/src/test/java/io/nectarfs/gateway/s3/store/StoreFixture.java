package io.nectarfs.gateway.s3.store;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.fs.FileApi;
import io.nectarfs.meta.Format;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.FormatRequest;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import io.nectarfs.volume.Volumes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** A volume on SQLite + a local directory (file://), reopenable, with a store over its file API. */
final class StoreFixture implements AutoCloseable {
  final Path dir;
  final String metaUrl;
  final Secrets secrets = new Secrets(Map.of());
  /** The store's clock (sweep ages); starts at the system time. */
  final AtomicLong now = new AtomicLong(Clock.SYSTEM.nowNanos());
  final Clock clock = now::get;
  Volume volume;
  BucketStore store;

  StoreFixture(Path dir) throws IOException {
    this.dir = dir;
    this.metaUrl = "sqlite3://" + dir.resolve("meta.db");
    Format f = Format.builder("s3store", "file://" + dir.resolve("data")).blockSize(1 << 20).createdMillis(System.currentTimeMillis()).build();
    Volumes.format(metaUrl, f, FormatRequest.defaults().withSecrets(secrets));
    open();
  }

  void open() throws IOException {
    volume = Volume.open(metaUrl, VolumeOptions.defaults().withSecrets(secrets).withCache(CacheOptions.memoryOnly(64L << 20)).withClientName("s3-store-test"));
    store = BucketStore.over(volume.fileSystem(), "/", null, clock);
  }

  void reopen() throws IOException {
    volume.close();
    open();
  }

  FileApi fs() {
    return volume.fileSystem();
  }

  /** Objects in the volume's storage (data blocks). */
  long storedObjects() throws IOException {
    ObjectStore s = volume.storage();
    return s.listKeys("").stream().filter(k -> k.contains("chunks/")).count();
  }

  BucketStore.ObjectInfo put(Ctx ctx, String bucket, String key, byte[] data) throws IOException {
    String md5 = FsMultipart.hex(FsMultipart.md5(data));
    return store.put(ctx, bucket, key, new ByteArrayInputStream(data), () -> ObjectMeta.EMPTY.withEtag(md5), BucketStore.PutCondition.NONE);
  }

  byte[] get(Ctx ctx, String bucket, String key) throws IOException {
    try (BucketStore.OpenObject o = store.open(ctx, bucket, key)) {
      byte[] b = new byte[(int) o.info().size()];
      int off = 0;
      while (off < b.length) {
        int n = o.handle().pread(off, b, off, b.length - off);
        if (n < 0) {
          break;
        }
        off += n;
      }
      return b;
    }
  }

  @Override
  public void close() throws IOException {
    volume.close();
  }
}
