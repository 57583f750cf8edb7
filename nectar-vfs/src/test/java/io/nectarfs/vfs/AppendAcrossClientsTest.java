package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_APPEND;
import static io.nectarfs.common.OpenFlags.O_RDWR;
import static io.nectarfs.common.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Meta;
import io.nectarfs.object.StoreOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * O_APPEND across clients of one volume: the metadata places each append at the end as it is
 * when committed, so no client overwrites another's records and each write(2) stays whole.
 */
class AppendAcrossClientsTest {
  private static final int RECORD = 64;
  private final Ctx ctx = Ctx.ROOT;
  @TempDir Path tmp;

  private VfsHarness sqliteVolume() throws Exception {
    return new VfsHarness(tmp, "sqlite3://" + tmp.resolve("meta.db"), "file://" + tmp.resolve("objects"), StoreOptions.raw(),
        new Secrets(Map.of()), 64 << 10);
  }

  /** A 64-byte record: writer id, sequence number, padding, newline. */
  static byte[] record(int writer, int seq) {
    StringBuilder b = new StringBuilder(String.format("w%02d s%04d ", writer, seq));
    while (b.length() < RECORD - 1) {
      b.append((char) ('a' + (writer + b.length()) % 26));
    }
    return b.append('\n').toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** Checks that {@code data} holds every record of every writer exactly once, each whole, in each writer's order. */
  static void assertEveryRecordOnce(byte[] data, int writers, int perWriter) {
    assertThat(data.length).as("file length").isEqualTo(writers * perWriter * RECORD);
    int[] next = new int[writers];
    for (int at = 0; at < data.length; at += RECORD) {
      String rec = new String(data, at, RECORD, StandardCharsets.US_ASCII);
      int writer = Integer.parseInt(rec.substring(1, 3));
      int seq = Integer.parseInt(rec.substring(5, 9));
      assertThat(rec.getBytes(StandardCharsets.US_ASCII)).as("record at %d is whole", at).isEqualTo(record(writer, seq));
      assertThat(seq).as("writer %d's next record at %d", writer, at).isEqualTo(next[writer]);
      next[writer]++;
    }
    assertThat(next).containsOnly(perWriter);
  }

  @Test
  void fourClientsTimesFourAppenders_everyRecordExactlyOnce() throws Exception {
    VfsHarness h = sqliteVolume();
    int clients = 4;
    int perClient = 4;
    int records = 400;
    List<VfsHarness.Client> cs = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        cs.add(h.client());
      }
      var o = cs.get(0).vfs().create(ctx, Meta.ROOT, "log", 0644, 0, O_WRONLY);
      long ino = o.entry().ino();
      cs.get(0).vfs().release(ctx, ino, o.fh());
      try (ExecutorService ex = Executors.newFixedThreadPool(clients * perClient)) {
        List<Future<?>> fs = new ArrayList<>();
        for (int w = 0; w < clients * perClient; w++) {
          Vfs v = cs.get(w % clients).vfs();
          int writer = w;
          fs.add(ex.submit(() -> {
            long fh = v.open(ctx, ino, O_WRONLY | O_APPEND);
            for (int i = 0; i < records; i++) {
              // The offset passed is what a stale kernel would send: it must not matter.
              v.write(ctx, ino, fh, 0, ByteBuffer.wrap(record(writer, i)));
              if (i % 37 == 36) {
                v.fsync(ctx, ino, fh, false); // commit mid-way, interleaving with the other clients
              }
            }
            v.flush(ctx, ino, fh, 0);
            v.release(ctx, ino, fh);
            return null;
          }));
        }
        for (Future<?> f : fs) {
          f.get(5, TimeUnit.MINUTES);
        }
      }
      for (VfsHarness.Client c : cs) {
        byte[] data = new io.nectarfs.fs.FileSystem(c.vfs()).readAll(ctx, "/log");
        assertEveryRecordOnce(data, clients * perClient, records);
      }
      assertThat(cs.get(0).meta().check()).as("metadata consistent").isEmpty();
    } finally {
      for (VfsHarness.Client c : cs) {
        c.close();
      }
    }
  }

  @Test
  void lengthSeenByGetattr_neverMissesReturnedAppends_whileFlushesCommitThem() throws Exception {
    VfsHarness h = sqliteVolume();
    try (var c = h.client()) {
      Vfs v = c.vfs();
      var o = v.create(ctx, Meta.ROOT, "log", 0644, 0, O_WRONLY | O_APPEND);
      long ino = o.entry().ino();
      int records = 2000;
      java.util.concurrent.atomic.AtomicLong returned = new java.util.concurrent.atomic.AtomicLong();
      java.util.concurrent.atomic.AtomicLong worst = new java.util.concurrent.atomic.AtomicLong();
      try (ExecutorService ex = Executors.newFixedThreadPool(2)) {
        Future<?> writer = ex.submit(() -> {
          for (int i = 0; i < records; i++) {
            v.write(ctx, ino, o.fh(), 0, ByteBuffer.wrap(record(0, i)));
            returned.set((i + 1L) * RECORD);
            if (i % 5 == 4) {
              v.fsync(ctx, ino, o.fh(), false);
            }
          }
          return null;
        });
        Future<?> reader = ex.submit(() -> {
          while (!writer.isDone()) {
            long before = returned.get();
            long len = v.getattr(ctx, ino).length();
            worst.accumulateAndGet(before - len, Math::max);
          }
          return null;
        });
        writer.get(5, TimeUnit.MINUTES);
        reader.get(5, TimeUnit.MINUTES);
      }
      assertThat(worst.get()).as("bytes of returned appends missing from a getattr's length").isLessThanOrEqualTo(0);
      v.release(ctx, ino, o.fh());
    }
  }

  @Test
  void writeRacingWithAnotherHandlesLastRelease_isNotLost() throws Exception {
    VfsHarness h = sqliteVolume();
    try (var c = h.client()) {
      Vfs v = c.vfs();
      var o = v.create(ctx, Meta.ROOT, "log", 0644, 0, O_WRONLY);
      long ino = o.entry().ino();
      v.release(ctx, ino, o.fh());
      int records = 3000;
      java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
      try (ExecutorService ex = Executors.newFixedThreadPool(2)) {
        Future<?> closer = ex.submit(() -> {
          while (!done.get()) {
            v.release(ctx, ino, v.open(ctx, ino, O_WRONLY | O_APPEND)); // the last release, again and again
          }
          return null;
        });
        Future<?> writer = ex.submit(() -> {
          for (int i = 0; i < records; i++) {
            long fh = v.open(ctx, ino, O_WRONLY | O_APPEND);
            v.write(ctx, ino, fh, 0, ByteBuffer.wrap(record(0, i)));
            v.release(ctx, ino, fh); // a shell's close: flush is async in the kernel, release commits
          }
          return null;
        });
        try {
          writer.get(5, TimeUnit.MINUTES);
        } finally {
          done.set(true);
        }
        closer.get(5, TimeUnit.MINUTES);
      }
      assertEveryRecordOnce(new io.nectarfs.fs.FileSystem(v).readAll(ctx, "/log"), 1, records);
    }
  }

  @Test
  void pendingAppend_landsAfterAnotherClientsCommittedAppend_andLengthAndReadsAgree() throws Exception {
    VfsHarness h = sqliteVolume();
    try (var a = h.client(); var b = h.client()) {
      var o = a.vfs().create(ctx, Meta.ROOT, "f", 0644, 0, O_RDWR | O_APPEND);
      long ino = o.entry().ino();
      long fa = o.fh();
      a.vfs().write(ctx, ino, fa, 0, ByteBuffer.wrap("aa".getBytes(StandardCharsets.US_ASCII)));
      assertThat(a.vfs().getattr(ctx, ino).length()).as("a's pending append counts in its length").isEqualTo(2);
      long fb = b.vfs().open(ctx, ino, O_WRONLY | O_APPEND);
      b.vfs().write(ctx, ino, fb, 0, ByteBuffer.wrap("bbb".getBytes(StandardCharsets.US_ASCII)));
      b.vfs().fsync(ctx, ino, fb, false);
      assertThat(a.vfs().getattr(ctx, ino).length()).as("b's committed bytes plus a's pending ones").isEqualTo(5);
      // A positioned write of a after its pending append: applied after the append is placed.
      long pa = a.vfs().open(ctx, ino, O_RDWR);
      a.vfs().write(ctx, ino, pa, 4, ByteBuffer.wrap("X".getBytes(StandardCharsets.US_ASCII)));
      a.vfs().write(ctx, ino, fa, 0, ByteBuffer.wrap("cc".getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer dst = ByteBuffer.allocate(100);
      a.vfs().read(ctx, ino, fa, 0, dst);
      assertThat(new String(dst.array(), 0, dst.position(), StandardCharsets.US_ASCII)).as("read-your-writes").isEqualTo("bbbaXcc");
      assertThat(a.vfs().getattr(ctx, ino).length()).isEqualTo(7);
      a.vfs().release(ctx, ino, pa);
      a.vfs().release(ctx, ino, fa);
      b.vfs().release(ctx, ino, fb);
      assertThat(new io.nectarfs.fs.FileSystem(b.vfs()).readAll(ctx, "/f")).isEqualTo("bbbaXcc".getBytes(StandardCharsets.US_ASCII));
    }
  }
}
