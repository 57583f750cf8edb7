package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Names;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.Slice;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.TestServices;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dump → load between every pair of engines (mem, sqlite, postgres, mysql, redis; server engines
 * when their service is running, see scripts/services.sh) gives the identical dump; and the
 * quota, summary, fsck, dump and load commands on a volume.
 */
class DumpLoadTest {
  @TempDir Path tmp;
  private final List<TxnKv> opened = new ArrayList<>();

  private TxnKv open(String url) throws IOException {
    TxnKv kv = MetaEngines.registry().open(url, new Secrets(Map.of()));
    opened.add(kv);
    return kv;
  }

  @AfterEach
  void cleanUp() {
    for (TxnKv kv : opened) {
      try {
        kv.reset();
        kv.close();
      } catch (IOException | RuntimeException ignored) {
        // best effort
      }
    }
  }

  /** A fresh, empty volume URL per engine type (server engines only when configured). */
  private Map<String, Supplier<String>> engines() {
    Map<String, Supplier<String>> e = new LinkedHashMap<>();
    e.put("mem", () -> "mem://dump-" + UUID.randomUUID());
    e.put("sqlite", () -> "sqlite3://" + tmp.resolve(UUID.randomUUID() + ".db"));
    String pg = System.getenv(TestServices.POSTGRES);
    if (pg != null && !pg.isBlank()) {
      e.put("postgres", () -> pg + (pg.contains("?") ? "&" : "?") + "table-prefix=d" + UUID.randomUUID().toString().substring(0, 8) + "_");
    }
    String my = System.getenv(TestServices.MYSQL);
    if (my != null && !my.isBlank()) {
      e.put("mysql", () -> my + (my.contains("?") ? "&" : "?") + "table-prefix=d" + UUID.randomUUID().toString().substring(0, 8) + "_");
    }
    String redis = System.getenv(TestServices.REDIS);
    if (redis != null && !redis.isBlank()) {
      e.put("redis", () -> redis + (redis.contains("?") ? "&" : "?") + "prefix=d-" + UUID.randomUUID());
    }
    if ("true".equals(System.getenv("CI"))) {
      assertThat(e).as("all engines in CI").hasSize(5);
    }
    return e;
  }

  private static MetaConfig config() {
    return MetaConfig.defaults().withBackground(false);
  }

  /** A volume with a bit of everything a dump must carry. */
  private String buildSource(String url) throws IOException {
    TxnKv kv = open(url);
    Format f = Format.builder("dump-vol", "mem://x").checksum(false).trashDays(1).createdMillis(1234).enableAcl(true)
        .storageLayout(Format.LAYOUT_NAME).build();
    MetaClient.format(kv, f, false, Clock.SYSTEM);
    try (MetaClient m = MetaClient.open(kv, config())) {
      Ctx root = Ctx.ROOT;
      long d = m.mkdir(root, Meta.ROOT, "dir", 0755, 0).ino();
      long sub = m.mkdir(root, d, "sub ü", 0700, 0).ino();
      long file = m.mknod(root, d, "file", FileType.FILE, 0644, 0, 0).ino();
      long id = m.newSliceId();
      m.write(root, file, 0, new Slice(0, id, 100_000, 0, 100_000), 5);
      m.write(root, file, 1, new Slice(10, m.newSliceId(), 5, 0, 5), 6);
      m.clone(root, file, sub, "clone");
      m.link(root, file, sub, "hardlink");
      m.link(root, file, Meta.ROOT, "hardlink2");
      m.symlink(root, d, "link", "../dir/file");
      m.mknod(root, d, "fifo", FileType.FIFO, 0600, 0, 0);
      m.mknod(root, d, "dev", FileType.CHAR, 0600, 0, 0x0801);
      m.setxattr(root, file, "user.tag", new byte[] {0, 1, 2, (byte) 255}, 0);
      m.setxattr(root, d, "system.posix_acl_access", aclBytes(), 0);
      m.setxattr(root, d, "system.posix_acl_default", aclBytes(), 0);
      m.mknod(root, d, "inherits", FileType.FILE, 0666, 022, 0);
      // names that are not UTF-8: Latin-1 "café" (a directory), Shift-JIS "テスト", a symlink and an xattr name
      long latin = m.mkdir(root, d, Names.decode(new byte[] {'c', 'a', 'f', (byte) 0xe9}), 0755, 0).ino();
      m.mknod(root, latin, SJIS, FileType.FILE, 0644, 0, 0);
      m.symlink(root, latin, "to-" + SJIS, "../" + SJIS + "/\uDCFF");
      m.setxattr(root, file, "user." + SJIS, new byte[] {(byte) 0x83}, 0);
      new MetaAdmin(m).setQuota(d, 1L << 30, 1000);
      long gone = m.mknod(root, d, "trashed", FileType.FILE, 0644, 0, 0).ino();
      m.write(root, gone, 0, new Slice(0, m.newSliceId(), 10, 0, 10), 7);
      m.unlink(root, d, "trashed"); // into the trash (1 day)
      assertThat(m.check()).isEmpty();
    }
    return url;
  }

  /** "テスト" in Shift-JIS, as the Meta API carries it ({@link Names#decode}). */
  private static final String SJIS = Names.decode(new byte[] {(byte) 0x83, 0x65, (byte) 0x83, 0x58, (byte) 0x83, 0x67});

  private static byte[] aclBytes() {
    // user::rwx,user:1000:r-x,group::r-x,mask::r-x,other::--- in the kernel's format
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 5 * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putInt(2);
    b.putShort((short) 1).putShort((short) 7).putInt(-1);
    b.putShort((short) 2).putShort((short) 5).putInt(1000);
    b.putShort((short) 4).putShort((short) 5).putInt(-1);
    b.putShort((short) 0x10).putShort((short) 5).putInt(-1);
    b.putShort((short) 0x20).putShort((short) 0).putInt(-1);
    return b.array();
  }

  private String dump(String url) throws IOException {
    try (MetaClient m = MetaClient.open(open(url), config().withReadOnly(true))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      new MetaAdmin(m).dump(out, false, s -> {});
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  private void load(String url, String dump) throws IOException {
    MetaAdmin.load(open(url), new ByteArrayInputStream(dump.getBytes(StandardCharsets.UTF_8)), s -> {});
    try (MetaClient m = MetaClient.open(open(url), config())) {
      assertThat(m.check()).as("consistency after loading into " + url).isEmpty();
    }
  }

  @Test
  void dumpAndLoad_betweenEveryPairOfEngines_giveTheIdenticalDump() throws IOException {
    Map<String, Supplier<String>> engines = engines();
    String original = dump(buildSource(engines.get("mem").get()));
    String canonical = MetaAdmin.normalizeDump(original);
    assertThat(original).contains("\"nameB64\":\"Y2Fm6Q==\"", "\"nameB64\":\"g2WDWINn\"", "\"symlinkB64\"", "\"xattrsB64\"");
    assertThat(original).contains("\"hardlink2\"").contains("user:1000:r-x").contains("\"symlink\":\"../dir/file\"").contains("\"pending\"");
    Map<String, String> dumps = new LinkedHashMap<>();
    for (Map.Entry<String, Supplier<String>> x : engines.entrySet()) {
      String url = x.getValue().get();
      load(url, original);
      String again = dump(url);
      assertThat(MetaAdmin.normalizeDump(again)).as("mem -> " + x.getKey()).isEqualTo(canonical);
      dumps.put(x.getKey(), again);
    }
    for (Map.Entry<String, String> from : dumps.entrySet()) {
      for (Map.Entry<String, Supplier<String>> to : engines.entrySet()) {
        String url = to.getValue().get();
        load(url, from.getValue());
        assertThat(MetaAdmin.normalizeDump(dump(url))).as(from.getKey() + " -> " + to.getKey()).isEqualTo(canonical);
      }
    }
    System.out.println("dump/load round-trips identical between " + engines.keySet());
  }

  @Test
  void commands_quotaSummaryFsckDumpLoad() throws IOException {
    String url = buildSource("sqlite3://" + tmp.resolve("cli.db"));
    CliTest.Run set = CliTest.run("quota", "set", url, "--path", "/dir/sub ü", "--capacity", "1M", "--inodes", "10");
    assertThat(set.code()).as(set.err()).isZero();
    assertThat(set.out()).contains("inodes 2 of 10");
    assertThat(CliTest.run("quota", "get", url, "--path", "/dir").out()).contains("of 1.0 GiB").contains("of 1000");
    assertThat(CliTest.run("quota", "list", url).out()).contains("1.0 MiB");
    CliTest.Run check = CliTest.run("quota", "check", url);
    assertThat(check.code()).as(check.out() + check.err()).isZero();
    assertThat(check.out()).contains(": ok");
    CliTest.Run summary = CliTest.run("summary", url, "/dir");
    assertThat(summary.out()).contains("files 9, directories 2");
    CliTest.Run info = CliTest.run("info", url, "/dir/caf\\xe9/\\x83e\\x83X\\x83g");
    assertThat(info.code()).as(info.err()).isZero();
    assertThat(info.out()).startsWith("/dir/caf\\xe9/\\x83e\\x83X\\x83g:").contains("type: file");
    assertThat(CliTest.run("quota", "delete", url, "--path", "/dir/sub ü").code()).isZero();
    assertThat(CliTest.run("quota", "get", url, "--path", "/dir/sub ü").code()).isEqualTo(1);
    assertThat(CliTest.run("quota", "frobnicate", url).code()).isEqualTo(2);
    CliTest.Run fsck = CliTest.run("fsck", url);
    assertThat(fsck.code()).as(fsck.out() + fsck.err()).isZero();
    assertThat(fsck.out()).contains("no problems");
    Path file = tmp.resolve("dump.json");
    CliTest.Run dump = CliTest.run("dump", url, file.toString());
    assertThat(dump.code()).as(dump.err()).isZero();
    String target = "sqlite3://" + tmp.resolve("copy.db");
    CliTest.Run load = CliTest.run("load", target, file.toString());
    assertThat(load.code()).as(load.err()).isZero();
    assertThat(CliTest.run("load", target, file.toString()).err()).contains("already holds a volume");
    assertThat(MetaAdmin.normalizeDump(dump(target))).isEqualTo(MetaAdmin.normalizeDump(Files.readString(file)));
    assertThat(Files.readString(file)).doesNotContain("PRIVATE KEY");
    Path bad = Files.writeString(tmp.resolve("bad.json"), Files.readString(file).replace("\"nameB64\":\"Y2Fm6Q==\"", "\"nameB64\":\"%%\""));
    CliTest.Run badLoad = CliTest.run("load", "sqlite3://" + tmp.resolve("bad.db"), bad.toString());
    assertThat(badLoad.code()).isEqualTo(1);
    assertThat(badLoad.err()).contains("malformed dump: name of inode").doesNotContain("\tat ");
  }
}
