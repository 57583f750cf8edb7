package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import io.nectarfs.volume.Volumes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two volumes on one storage never see each other's objects: the volume marker and UUID keys. */
class StorageIdentityTest {
  @TempDir Path tmp;

  private String meta(String db) {
    return "sqlite3://" + tmp.resolve(db);
  }

  private String storage() {
    return "file://" + tmp.resolve("store");
  }

  private static String uuidOf(CliTest.Run format) {
    return format.out().lines().filter(l -> l.contains("uuid:")).findFirst().orElseThrow().replaceAll(".*uuid:\\s*", "").trim();
  }

  private static VolumeOptions memoryOnly() {
    return VolumeOptions.defaults().withCache(CacheOptions.memoryOnly(64L << 20));
  }

  private static void write(String metaUrl, String path, String text) throws Exception {
    try (Volume v = Volume.open(metaUrl, memoryOnly().withClientName("test"))) {
      v.fileSystem().writeAll(Ctx.ROOT, path, text.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static String read(String metaUrl, String path) throws Exception {
    try (Volume v = Volume.open(metaUrl, memoryOnly().withClientName("test").withReadOnly(true))) {
      return new String(v.fileSystem().readAll(Ctx.ROOT, path), StandardCharsets.UTF_8);
    }
  }

  private List<String> objects() throws Exception {
    Path root = tmp.resolve("store");
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).filter(k -> !k.startsWith(".nectar-tmp")).sorted().toList();
    }
  }

  @Test
  void secondVolumeWithTheSameName_isRefused_andTheFirstKeepsItsData() throws Exception {
    CliTest.Run p = CliTest.run("format", meta("p.db"), "shared", "--storage", storage());
    assertThat(p.code()).as(p.err()).isZero();
    String uuid = uuidOf(p);
    write(meta("p.db"), "/f", "from p");

    CliTest.Run q = CliTest.run("format", meta("q.db"), "shared", "--storage", storage());
    assertThat(q.code()).isEqualTo(1);
    assertThat(q.err()).hasLineCount(1).contains("volume 'shared'", uuid, "another volume name or storage");
    assertThat(Files.exists(tmp.resolve("q.db")) ? CliTest.run("status", meta("q.db")).err() : "nectar format")
        .as("nothing was formatted").contains("nectar format");

    assertThat(CliTest.run("format", meta("p.db"), "shared", "--storage", storage()).out()).contains("unchanged");
    assertThat(read(meta("p.db"), "/f")).isEqualTo("from p");
    assertThat(objects()).contains("shared/nectar-volume.json")
        .allMatch(k -> k.equals("shared/nectar-volume.json") || k.startsWith("shared/" + uuid + "/chunks/"));
  }

  @Test
  void unknownObjectsUnderTheName_withoutMarker_areRefused() throws Exception {
    Files.createDirectories(tmp.resolve("store/other/chunks/0/0"));
    Files.writeString(tmp.resolve("store/other/chunks/0/0/1_0_5"), "hello");
    CliTest.Run r = CliTest.run("format", meta("p.db"), "other", "--storage", storage());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).hasLineCount(1).contains("no volume marker", "other/chunks/");
    assertThat(CliTest.run("format", meta("p.db"), "another", "--storage", storage()).code()).as("other names are free").isZero();
  }

  /** Both volumes got past format (a race, or an old nectar): opening the loser is refused, gc included. */
  @Test
  void clientsOfAVolumeThatDoesNotOwnTheMarker_areRefused_andGcDeletesNothing() throws Exception {
    CliTest.Run p = CliTest.run("format", meta("p.db"), "shared", "--storage", storage());
    assertThat(p.code()).as(p.err()).isZero();
    write(meta("p.db"), "/f", "from p");
    try (TxnKv kv = Volumes.engine(meta("q.db"), new Secrets(java.util.Map.of()))) {
      MetaClient.format(kv, Format.builder("shared", storage()).createdMillis(System.currentTimeMillis()).build(), false, io.nectarfs.common.Clock.SYSTEM);
    }
    List<String> before = objects();
    CliTest.Run gc = CliTest.run("gc", meta("q.db"), "--delete", "--min-age", "0s");
    assertThat(gc.code()).isEqualTo(1);
    assertThat(gc.err()).hasLineCount(1).contains("already holds volume 'shared'", uuidOf(p));
    CliTest.Run info = CliTest.run("info", meta("q.db"), "/");
    assertThat(info.code()).isEqualTo(1);
    assertThat(objects()).isEqualTo(before);
    assertThat(read(meta("p.db"), "/f")).isEqualTo("from p");
    CliTest.Run gcP = CliTest.run("gc", meta("p.db"), "--delete", "--min-age", "0s");
    assertThat(gcP.code()).as(gcP.err()).isZero();
    assertThat(gcP.out()).contains("0 leaked");
  }

  /** A volume formatted before markers (objects under NAME/) claims its prefix at first open. */
  @Test
  void oldLayoutVolume_claimsItsPrefix_andAnotherOldVolumeOfThatNameIsThenRefused() throws Exception {
    for (String db : new String[] {"old1.db", "old2.db"}) {
      try (TxnKv kv = Volumes.engine(meta(db), new Secrets(java.util.Map.of()))) {
        MetaClient.format(kv, Format.builder("legacy", storage()).createdMillis(System.currentTimeMillis())
            .storageLayout(Format.LAYOUT_NAME).build(), false, io.nectarfs.common.Clock.SYSTEM);
      }
    }
    write(meta("old1.db"), "/f", "old one");
    assertThat(objects()).contains("legacy/nectar-volume.json").anyMatch(k -> k.startsWith("legacy/chunks/"));
    assertThat(read(meta("old1.db"), "/f")).isEqualTo("old one");
    CliTest.Run gc = CliTest.run("gc", meta("old2.db"));
    assertThat(gc.code()).isEqualTo(1);
    assertThat(gc.err()).hasLineCount(1).contains("already holds volume 'legacy'");
  }
}
