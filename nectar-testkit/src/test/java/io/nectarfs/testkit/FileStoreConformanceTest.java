package io.nectarfs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Secrets;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FileStoreConformanceTest extends ObjectStoreConformanceTest {
  @Override
  protected ObjectStore openStore(Path tmp) throws IOException {
    return ObjectStores.registry().open("file://" + tmp.resolve("bucket"), StoreOptions.raw(), new Secrets(Map.of()));
  }

  @Test
  void keys_escapingTheRoot_areRejected() throws IOException {
    for (String k : new String[] {"../x", "a/../../x", "/etc/passwd", "a/./b", "a//b", "dir/", ".nectar-tmp/x"}) {
      assertThatThrownBy(() -> store.put(k, new byte[1])).as(k).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(Files.exists(tmp.resolve("x"))).isFalse();
  }

  @Test
  void delete_removesEmptyDirectories() throws IOException {
    store.put(p + "a/b/c", new byte[1]);
    store.delete(p + "a/b/c");
    assertThat(Files.exists(tmp.resolve("bucket").resolve(p + "a"))).isFalse();
  }

  @Test
  void failedPut_leavesNoTemporaryFiles() throws IOException {
    assertThatThrownBy(() -> store.put(p + "x", new java.io.ByteArrayInputStream(new byte[5]), 10)).isInstanceOf(IOException.class);
    try (var s = Files.list(tmp.resolve("bucket").resolve(".nectar-tmp"))) {
      assertThat(s.toList()).isEmpty();
    }
  }

  /** Objects hold file data (plaintext unless the volume is encrypted): only their owner reads them. */
  @Test
  void objectsAndTheDirectoriesMadeForThem_arePrivate() throws IOException {
    store.put(p + "a/b/put", new byte[3]);
    store.capability(io.nectarfs.object.CopyCapable.class).orElseThrow().copy(p + "a/b/put", p + "c/copied");
    var mp = store.capability(io.nectarfs.object.MultipartCapable.class).orElseThrow();
    String id = mp.createMultipart(p + "d/multi");
    var part = mp.uploadPart(p + "d/multi", id, 1, new java.io.ByteArrayInputStream(new byte[7]), 7);
    mp.completeMultipart(p + "d/multi", id, java.util.List.of(part));
    Path root = tmp.resolve("bucket");
    try (var all = Files.walk(root)) {
      for (Path f : all.toList()) {
        String mode = java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
        assertThat(mode).as(root.relativize(f).toString()).isEqualTo(Files.isDirectory(f) ? "rwx------" : "rw-------");
      }
    }
  }

  @Test
  void badUrls_giveOneLineErrors() {
    var reg = ObjectStores.registry();
    var secrets = new Secrets(Map.of());
    assertThatThrownBy(() -> reg.open("file://relative/path", StoreOptions.raw(), secrets)).hasMessageContaining("file:///");
    assertThatThrownBy(() -> reg.open("file:///x?bogus=1", StoreOptions.raw(), secrets)).hasMessageContaining("unknown option");
    assertThatThrownBy(() -> reg.open("ftp://host/x", StoreOptions.raw(), secrets)).hasMessageContaining("unknown storage scheme 'ftp'");
    assertThatThrownBy(() -> reg.open("just-a-path", StoreOptions.raw(), secrets)).hasMessageContaining("not a storage URL");
    assertThatThrownBy(() -> reg.open("file:///proc/nectar-cannot-create", StoreOptions.raw(), secrets)).hasMessageContaining("cannot use");
  }
}
