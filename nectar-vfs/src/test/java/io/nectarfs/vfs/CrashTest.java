package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.object.StoreOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client killed with SIGKILL while writing leaves consistent metadata; the file holds at least
 * what its last fsync covered; after the crashed session is cleaned and gc runs, nothing leaks.
 */
class CrashTest {
  @TempDir Path tmp;

  @Test
  void sigkillWhileWriting() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    String store = "file://" + tmp.resolve("objects");
    VfsHarness h = new VfsHarness(tmp, meta, store, StoreOptions.raw(), new Secrets(Map.of()), 64 << 10);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(), meta, store, tmp.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    long synced = 0;
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
      String line;
      while ((line = r.readLine()) != null) {
        lines.add(line);
        synced = Long.parseLong(line.substring("synced ".length()));
        if (lines.size() >= 6) {
          p.destroyForcibly(); // SIGKILL, mid-write
          break;
        }
      }
    }
    p.waitFor(30, TimeUnit.SECONDS);
    assertThat(synced).as("the writer made progress").isPositive();

    try (var c = h.client()) {
      assertThat(c.meta().check()).as("metadata consistent after the crash").isEmpty();
      FileSystem fs = new FileSystem(c.vfs());
      byte[] data = fs.readAll(Ctx.ROOT, "/crash");
      assertThat((long) data.length).as("at least what the last fsync covered").isGreaterThanOrEqualTo(synced);
      for (int i = 0; i < data.length; i++) {
        if (data[i] != CrashWriter.pattern(i)) {
          throw new AssertionError("wrong byte at " + i);
        }
      }
      // Objects uploaded but never committed by the dead client are found and removed by gc.
      c.meta().runBackgroundJobs();
      Gc.Report before = Gc.run(c.meta(), c.store(), Duration.ZERO, true, n -> {});
      Gc.Report after = Gc.run(c.meta(), c.store(), Duration.ZERO, false, n -> {});
      assertThat(after.leakedObjects()).isZero();
      assertThat(before.objects() - before.deleted()).isEqualTo(after.objects());
      assertThat(fs.readAll(Ctx.ROOT, "/crash")).isEqualTo(data);
    }
  }

  @Test
  void sigkillWhileWritingSmallInlineFiles() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    String store = "file://" + tmp.resolve("objects");
    VfsHarness h = new VfsHarness(tmp, meta, store, StoreOptions.raw(), new Secrets(Map.of()), 64 << 10, 16 << 10);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), InlineCrashWriter.class.getName(), meta, store, tmp.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    int closed = -1;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
      String line;
      while ((line = r.readLine()) != null) {
        closed = Integer.parseInt(line.substring("closed ".length()));
        if (closed >= 200) {
          p.destroyForcibly(); // SIGKILL, amid creating the next files
          break;
        }
      }
    }
    p.waitFor(30, TimeUnit.SECONDS);
    assertThat(closed).as("the writer made progress").isGreaterThanOrEqualTo(200);

    try (var c = h.client()) {
      assertThat(c.meta().check()).as("metadata consistent after the crash").isEmpty();
      FileSystem fs = new FileSystem(c.vfs());
      for (int n = 0; n <= closed; n++) {
        byte[] data = fs.readAll(Ctx.ROOT, "/small-" + n);
        assertThat(data).as("closed file %d: close is durable", n).hasSize(InlineCrashWriter.length(n));
        for (int j = 0; j < data.length; j++) {
          if (data[j] != InlineCrashWriter.pattern(n, j)) {
            throw new AssertionError("file " + n + ": wrong byte at " + j);
          }
        }
      }
      c.meta().runBackgroundJobs();
      Gc.Report after = Gc.run(c.meta(), c.store(), Duration.ZERO, false, n -> {});
      assertThat(after.leakedObjects()).isZero();
      assertThat(after.objects()).as("small files leave no objects").isZero();
    }
  }
}
