package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #10's acceptance: opening 1,000,000 distinct files in a row keeps the client's heap flat.
 * The volume's metadata (1,000,000 files, loaded from a generated dump) is in a SQLite file; the
 * client runs in its own JVM with a small heap and the serial collector, opens and closes every
 * file (reading every tenth: its attributes and slice list are cached too), and reports the heap retained after a full collection at 200,000 and at 1,000,000
 * opens. Passes if the client did not run out of memory and the retained heap grew by less than
 * a bound that does not depend on timing. Without the cache bound the client holds an entry per
 * file (a few hundred bytes each): it runs out of its heap, or grows by hundreds of MB.
 */
class ManyOpensHeapTest {
  static final int FILE_LENGTH = 100;
  private static final int FILES = Integer.getInteger("manyOpens.files", 1_000_000);
  private static final int FIRST_CHECKPOINT = FILES / 5;
  private static final String CLIENT_HEAP = "-Xmx96m";
  /** Growth allowed between the checkpoints: far below 800,000 entries, far above GC noise. */
  private static final long MAX_GROWTH = 12L << 20;
  @TempDir Path tmp;

  @Test
  void openingAMillionFiles_keepsTheClientHeapFlat() throws Exception {
    String metaUrl = "sqlite3://" + tmp.resolve("meta.db") + "?synchronous=normal";
    String storeUrl = "mem://many-opens-" + UUID.randomUUID();
    long t0 = System.nanoTime();
    load(metaUrl, storeUrl, FILES);
    long t1 = System.nanoTime();

    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), CLIENT_HEAP, "-XX:+UseSerialGC",
        "-cp", System.getProperty("java.class.path"), "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", ManyOpensClient.class.getName(),
        metaUrl, storeUrl, Integer.toString(FILES), FIRST_CHECKPOINT + "," + FILES);
    Path log = tmp.resolve("client.log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean exited = p.waitFor(30, TimeUnit.MINUTES); // a hang guard only: the run takes a minute or two
    if (!exited) {
      p.destroyForcibly();
    }
    String out = Files.readString(log);
    System.out.printf("load %d ms, client %d ms%n", (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
    assertThat(exited).as("client exited; output:%n%s", out).isTrue();
    assertThat(p.exitValue()).as("client exit status; output:%n%s", out).isZero();

    List<long[]> heap = new ArrayList<>();
    out.lines().filter(l -> l.startsWith("HEAP ")).forEach(l -> heap.add(java.util.Arrays.stream(l.substring(5).split(" ")).mapToLong(Long::parseLong).toArray()));
    assertThat(heap).as("checkpoints; output:%n%s", out).hasSize(2);
    long[] first = heap.get(0);
    long[] last = heap.get(1);
    System.out.printf("retained heap: %,d bytes after %,d opens (%,d cached inodes, %,d cached bytes), %,d bytes after %,d opens (%,d, %,d)%n",
        first[1], first[0], first[2], first[3], last[1], last[0], last[2], last[3]);
    assertThat(last[2]).as("cached inodes").isLessThanOrEqualTo(VfsConfig.DEFAULT_CACHED_INODES);
    assertThat(last[3]).as("cached bytes").isLessThanOrEqualTo(VfsConfig.DEFAULT_CACHED_BYTES);
    assertThat(last[1] - first[1]).as("heap growth from %,d to %,d opens", first[0], last[0]).isLessThan(MAX_GROWTH);
  }

  /** Loads a volume of {@code files} files of {@link #FILE_LENGTH} bytes (no slices: they read as zeros) in the root. */
  private static void load(String metaUrl, String storeUrl, int files) throws Exception {
    PipedInputStream in = new PipedInputStream(1 << 20);
    PipedOutputStream pipe = new PipedOutputStream(in);
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      try (Writer w = new BufferedWriter(new OutputStreamWriter(pipe, StandardCharsets.UTF_8), 1 << 16)) {
        writeDump(w, storeUrl, files);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    try (TxnKv kv = MetaEngines.registry().open(metaUrl, new Secrets(Map.of()))) {
      MetaAdmin.load(kv, in, s -> {});
    }
    writer.get();
  }

  private static void writeDump(Writer w, String storeUrl, int files) throws IOException {
    long t = 1_700_000_000_000_000_000L;
    String dir = "\"type\":\"DIR\",\"mode\":%d,\"uid\":0,\"gid\":0,\"atime\":%d,\"mtime\":%d,\"ctime\":%d,\"nlink\":%d,\"length\":4096,\"rdev\":0,\"flags\":0,\"parent\":1,\"accessAcl\":0,\"defaultAcl\":0";
    w.write("{\"version\":1,\"format\":{\"name\":\"many\",\"uuid\":\"" + UUID.randomUUID() + "\",\"storage\":\"" + storeUrl
        + "\",\"blockSize\":1048576,\"compression\":\"none\",\"checksum\":false,\"shards\":0,\"trashDays\":0,\"capacity\":0,\"inodes\":0,"
        + "\"metaVersion\":1,\"createdMillis\":1700000000000,\"enableAcl\":false,\"storageLayout\":0}\n");
    w.write(",\"counters\":{\"nextInode\":" + (files + 1025) + ",\"nextSlice\":1,\"nextTrash\":0,\"nextAcl\":0,\"usedSpace\":" + 4096L * files
        + ",\"totalInodes\":" + files + "}\n,\"acls\":[]\n,\"quotas\":[]\n,\"sliceRefs\":[]\n,\"nodes\":[");
    w.write("{\"parent\":0,\"name\":\"\",\"ino\":1,\"attr\":{" + String.format(dir, 0777, t, t, t, 2) + "}}\n");
    for (int i = 1; i <= files; i++) {
      w.write(",{\"parent\":1,\"name\":\"f" + i + "\",\"ino\":" + (1 + i) + ",\"attr\":{\"type\":\"FILE\",\"mode\":420,\"uid\":0,\"gid\":0,\"atime\":" + t
          + ",\"mtime\":" + t + ",\"ctime\":" + t + ",\"nlink\":1,\"length\":" + FILE_LENGTH
          + ",\"rdev\":0,\"flags\":0,\"parent\":1,\"accessAcl\":0,\"defaultAcl\":0}}\n");
    }
    w.write(",{\"parent\":0,\"name\":\".trash\",\"ino\":" + io.nectarfs.meta.Meta.TRASH + ",\"attr\":{" + String.format(dir, 0555, t, t, t, 2) + "}}\n");
    w.write("]\n,\"pending\":[]}\n");
  }
}
