package io.nectarfs.volume;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStorageTest {
  @TempDir Path tmp;

  @Test
  void aFileStoreOnTheCachesDevice_isLocal_evenBeforeTheDirectoriesExist() throws Exception {
    assertThat(LocalStorage.sharesDeviceWithCache("file://" + tmp.resolve("data"), List.of(tmp.resolve("cache/uuid")))).isTrue();
    Files.createDirectories(tmp.resolve("data"));
    assertThat(LocalStorage.sharesDeviceWithCache("file://" + tmp.resolve("data") + "?fsync=false", List.of(tmp.resolve("cache")))).isTrue();
  }

  @Test
  void otherStores_noCache_orAnotherDevice_areNot() throws Exception {
    assertThat(LocalStorage.sharesDeviceWithCache("s3://bucket/x", List.of(tmp))).isFalse();
    assertThat(LocalStorage.sharesDeviceWithCache("mem://x", List.of(tmp))).isFalse();
    assertThat(LocalStorage.sharesDeviceWithCache("file://" + tmp.resolve("data"), List.of())).isFalse();
    if (!Files.getFileStore(Path.of("/proc")).equals(Files.getFileStore(tmp))) {
      assertThat(LocalStorage.sharesDeviceWithCache("file://" + tmp.resolve("data"), List.of(tmp, Path.of("/proc/cache")))).isFalse();
    }
  }
}
