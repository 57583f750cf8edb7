package io.nectarfs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Secrets;
import io.nectarfs.object.CorruptObjectException;
import io.nectarfs.object.EncryptionKeys;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import io.nectarfs.object.StoreOptions.Encryption.Cipher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncryptionTest {
  @TempDir Path tmp;
  private final String url = "mem://enc-" + UUID.randomUUID();

  private ObjectStore open(Path key, Cipher c, Secrets s) throws IOException {
    return ObjectStores.registry().open(url, StoreOptions.raw().withEncryption(new StoreOptions.Encryption(key, c)), s);
  }

  private ObjectStore raw() throws IOException {
    return ObjectStores.registry().open(url, StoreOptions.raw(), new Secrets(Map.of()));
  }

  private static Secrets pass(String p) {
    return new Secrets(Map.of(EncryptionKeys.PASSPHRASE, p));
  }

  @Test
  void wrongPassphrase_isOneClearLine() throws IOException {
    Path key = StoreStacks.key(tmp);
    assertThatThrownBy(() -> open(key, Cipher.AES256GCM, pass("not it")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot decrypt the encryption key " + key + ": wrong passphrase?")
        .hasMessageNotContaining("not it")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void missingPassphrase_saysWhatToSet() throws IOException {
    Path key = StoreStacks.key(tmp);
    assertThatThrownBy(() -> open(key, Cipher.AES256GCM, new Secrets(Map.of())))
        .hasMessageContaining("set NECTAR_KEY_PASSPHRASE or NECTAR_KEY_PASSPHRASE_FILE");
  }

  @Test
  void passphraseFromFile_works() throws IOException {
    Path key = StoreStacks.key(tmp);
    Path pf = tmp.resolve("pass");
    Files.writeString(pf, StoreStacks.PASSPHRASE + "\n");
    try (ObjectStore s = open(key, Cipher.AES256GCM, new Secrets(Map.of("NECTAR_KEY_PASSPHRASE_FILE", pf.toString())))) {
      s.put("k", new byte[] {1, 2, 3});
      assertThat(s.getBytes("k")).containsExactly(1, 2, 3);
    }
  }

  @Test
  void missingKeyFile_namesThePath() {
    Path key = tmp.resolve("nope.pem");
    assertThatThrownBy(() -> open(key, Cipher.AES256GCM, StoreStacks.secrets())).hasMessageContaining(key.toString());
  }

  @Test
  void nonRsaKey_isRejected() throws Exception {
    Path key = tmp.resolve("ec.pem");
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:" + StoreStacks.PASSPHRASE, "-out", key.toString());
    assertThatThrownBy(() -> open(key, Cipher.AES256GCM, StoreStacks.secrets())).hasMessageContaining("not an RSA key");
  }

  @Test
  void differentKey_isACorruptObjectNamingIt() throws IOException {
    Path other = tmp.resolve("other.pem");
    EncryptionKeys.generate(other, 2048, StoreStacks.PASSPHRASE.toCharArray());
    try (ObjectStore a = open(StoreStacks.key(tmp), Cipher.AES256GCM, StoreStacks.secrets());
        ObjectStore b = open(other, Cipher.AES256GCM, StoreStacks.secrets())) {
      a.put("chunks/1", new byte[100]);
      assertThatThrownBy(() -> b.getBytes("chunks/1"))
          .isInstanceOf(CorruptObjectException.class)
          .hasMessageContaining("chunks/1")
          .hasMessageContaining("different key (fingerprint");
    }
  }

  @Test
  void storedBytes_containNoPlaintext() throws IOException {
    byte[] pattern = "NectarFS plaintext pattern 0123456789!".getBytes(StandardCharsets.US_ASCII);
    byte[] data = new byte[1 << 20];
    for (int i = 0; i < data.length; i++) {
      data[i] = pattern[i % pattern.length];
    }
    for (Cipher c : Cipher.values()) {
      try (ObjectStore s = open(StoreStacks.key(tmp), c, StoreStacks.secrets()); ObjectStore raw = raw()) {
        s.put("p", data);
        byte[] stored = raw.getBytes("p");
        assertThat(stored.length).isGreaterThan(data.length);
        assertThat(indexOf(stored, Arrays.copyOf(pattern, 16))).as(c.name()).isEqualTo(-1);
        assertThat(indexOf(data, Arrays.copyOf(pattern, 16))).as("the probe works").isZero();
        assertThat(s.getBytes("p")).isEqualTo(data);
        assertThat(s.head("p").size()).isEqualTo(data.length);
      }
    }
  }

  @Test
  void anyFlippedByte_isCorruptionNamingTheKey() throws IOException {
    byte[] data = new byte[10_000];
    new java.util.Random(1).nextBytes(data);
    for (Cipher c : Cipher.values()) {
      try (ObjectStore s = open(StoreStacks.key(tmp), c, StoreStacks.secrets()); ObjectStore raw = raw()) {
        s.put("obj/x", data);
        byte[] good = raw.getBytes("obj/x");
        int header = good.length - data.length - 16;
        // magic, version, cipher id, fingerprint, wrapped key length, wrapped key, nonce, body, tag
        List<Integer> positions = List.of(0, 2, 3, 20, 36, 37, 40, 200, header - 6, header, header + 5000, good.length - 8, good.length - 1);
        for (int pos : positions) {
          byte[] bad = good.clone();
          bad[pos] ^= 0x10;
          raw.put("obj/x", bad);
          assertThatThrownBy(() -> s.getBytes("obj/x")).as("%s flip at %d", c, pos)
              .isInstanceOf(CorruptObjectException.class)
              .hasMessageContaining("obj/x");
        }
        raw.put("obj/x", Arrays.copyOf(good, good.length - 1));
        assertThatThrownBy(() -> s.getBytes("obj/x")).as("truncated").isInstanceOf(CorruptObjectException.class);
        raw.put("obj/x", good);
        assertThat(s.getBytes("obj/x")).isEqualTo(data);
      }
    }
  }

  @Test
  void objectsWrittenWithOneCipher_areReadableWithTheOther() throws IOException {
    try (ObjectStore a = open(StoreStacks.key(tmp), Cipher.CHACHA20_POLY1305, StoreStacks.secrets());
        ObjectStore b = open(StoreStacks.key(tmp), Cipher.AES256GCM, StoreStacks.secrets())) {
      a.put("k", new byte[] {9, 8, 7});
      assertThat(b.getBytes("k")).containsExactly(9, 8, 7);
    }
  }

  @Test
  void opensslPemFormats_load() throws Exception {
    Path pkcs8 = tmp.resolve("pkcs8.pem");
    Path trad = tmp.resolve("trad.pem");
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes256", "-pass", "pass:" + StoreStacks.PASSPHRASE, "-out", pkcs8.toString());
    openssl("genrsa", "-traditional", "-aes256", "-passout", "pass:" + StoreStacks.PASSPHRASE, "-out", trad.toString(), "2048");
    assertThat(Files.readString(pkcs8)).contains("BEGIN ENCRYPTED PRIVATE KEY");
    assertThat(Files.readString(trad)).contains("Proc-Type: 4,ENCRYPTED");
    for (Path k : List.of(pkcs8, trad)) {
      try (ObjectStore s = open(k, Cipher.AES256GCM, StoreStacks.secrets())) {
        s.put("f/" + k.getFileName(), new byte[] {42});
        assertThat(s.getBytes("f/" + k.getFileName())).as(k.toString()).containsExactly(42);
      }
      assertThatThrownBy(() -> open(k, Cipher.AES256GCM, pass("bad"))).hasMessageContaining("wrong passphrase");
    }
  }

  @Test
  void generatedKey_isPkcs8Encrypted_andOpensslReadsIt() throws Exception {
    Path k = tmp.resolve("gen.pem");
    EncryptionKeys.generate(k, 3072, "pw".toCharArray());
    assertThat(Files.readString(k)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    String out = openssl("rsa", "-in", k.toString(), "-passin", "pass:pw", "-noout", "-text");
    assertThat(out).contains("3072 bit");
    assertThatThrownBy(() -> EncryptionKeys.generatePem(1024, "pw".toCharArray())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unencryptedPem_onlyWithoutPassphrase() throws Exception {
    Path k = tmp.resolve("plain.pem");
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", k.toString());
    try (ObjectStore s = open(k, Cipher.AES256GCM, new Secrets(Map.of()))) {
      s.put("x", new byte[] {1});
      assertThat(s.getBytes("x")).containsExactly(1);
    }
    assertThatThrownBy(() -> open(k, Cipher.AES256GCM, StoreStacks.secrets())).hasMessageContaining("not passphrase-protected");
  }

  static String openssl(String... args) throws Exception {
    var cmd = new java.util.ArrayList<String>();
    cmd.add("/usr/bin/openssl");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("openssl %s: %s", cmd, out).isZero();
    return out;
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
