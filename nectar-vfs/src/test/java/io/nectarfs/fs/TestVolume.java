package io.nectarfs.fs;

import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Format;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.vfs.Vfs;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.FormatRequest;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import io.nectarfs.volume.Volumes;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/** A volume for file-API tests, opened through {@link Volume}: in-memory engine and store, 64 KiB blocks. */
final class TestVolume implements AutoCloseable {
  static final int BLOCK = 64 << 10;
  final Volume volume;
  final ObjectStore store;
  final ChunkStore chunks;
  final Vfs vfs;
  final FileSystem fs;

  private TestVolume(Volume volume) {
    this.volume = volume;
    this.store = volume.storage();
    this.chunks = volume.chunks();
    this.vfs = volume.vfs();
    this.fs = new FileSystem(vfs);
  }

  static TestVolume open() throws IOException {
    String url = "mem://fsapi-" + UUID.randomUUID();
    Secrets secrets = new Secrets(Map.of());
    Format wanted = Format.builder("fsapi-test", url).blockSize(BLOCK).checksum(false).createdMillis(System.currentTimeMillis()).build();
    Volumes.format(url, wanted, FormatRequest.defaults().withSecrets(secrets).withForce(true));
    return new TestVolume(Volume.open(url, VolumeOptions.defaults().withSecrets(secrets)
        .withCache(CacheOptions.memoryOnly(64L << 20)).withHeartbeat(Duration.ofSeconds(2)).withClientName("fsapi-test")));
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
    volume.close();
  }
}
