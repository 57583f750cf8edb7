package io.nectarfs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.object.CorruptObjectException;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import io.nectarfs.object.StoredForm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link StoredForm} gives exactly the bytes the stack stores, and reads them back. */
class StoredFormTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"lz4", "zstd", "aes256gcm", "chacha20", "checksum", "prefix"})
  void encodedBytes_areWhatTheStackStores_andDecodeBack(String name) throws IOException {
    String url = "mem://stored-form-" + UUID.randomUUID();
    StoreStacks.Stack stack = StoreStacks.get(name, url, tmp);
    StoredForm form = StoredForm.of(stack.options(), stack.secrets());
    byte[] plain = ("small file " + "x".repeat(3000)).getBytes(StandardCharsets.UTF_8);
    byte[] stored = form.encode(plain);
    assertThat(form.decode(stored)).isEqualTo(plain);
    try (ObjectStore decorated = stack.open(); ObjectStore raw = ObjectStores.registry().open(url, StoreOptions.raw(), stack.secrets())) {
      String key = "chunks/0/0/1_0_" + plain.length;
      raw.put(stack.options().prefix() + key, stored); // as if the stack had written it
      assertThat(decorated.getBytes(key)).as("the stack reads the stored form").isEqualTo(plain);
      decorated.put(key, plain);
      assertThat(form.decode(raw.getBytes(stack.options().prefix() + key))).as("the form reads what the stack stored").isEqualTo(plain);
    }
    if (List.of("aes256gcm", "chacha20").contains(name)) {
      assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("small file");
      stored[stored.length - 1] ^= 1;
      assertThatThrownBy(() -> form.decode(stored)).isInstanceOf(CorruptObjectException.class);
    }
  }
}
