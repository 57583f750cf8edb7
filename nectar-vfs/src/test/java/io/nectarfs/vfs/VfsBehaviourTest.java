package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_APPEND;
import static io.nectarfs.common.OpenFlags.O_EXCL;
import static io.nectarfs.common.OpenFlags.O_RDONLY;
import static io.nectarfs.common.OpenFlags.O_RDWR;
import static io.nectarfs.common.OpenFlags.O_SYNC;
import static io.nectarfs.common.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.meta.Meta;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VFS semantics: handles, visibility between clients, O_APPEND, compaction, internal files, gc. */
class VfsBehaviourTest {
  @TempDir Path tmp;
  private final Ctx ctx = Ctx.ROOT;

  private static int read(Vfs v, long ino, long fh, long off, byte[] into) throws IOException {
    return v.read(Ctx.ROOT, ino, fh, off, ByteBuffer.wrap(into));
  }

  @Test
  void ownWritesAreVisibleAtOnce_othersAfterClose() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (var a = h.client(); var b = h.client()) {
      var o = a.vfs().create(ctx, Meta.ROOT, "f", 0644, 0, O_RDWR);
      long ino = o.entry().ino();
      a.vfs().write(ctx, ino, o.fh(), 0, ByteBuffer.wrap("hello".getBytes()));
      assertThat(a.vfs().getattr(ctx, ino).length()).as("own length at once").isEqualTo(5);
      byte[] got = new byte[5];
      assertThat(read(a.vfs(), ino, o.fh(), 0, got)).isEqualTo(5);
      assertThat(new String(got)).isEqualTo("hello");
      a.vfs().flush(ctx, ino, o.fh(), 0);
      a.vfs().release(ctx, ino, o.fh());
      long fh = b.vfs().open(ctx, ino, O_RDONLY);
      assertThat(read(b.vfs(), ino, fh, 0, got)).isEqualTo(5);
      assertThat(new String(got)).isEqualTo("hello");
      b.vfs().release(ctx, ino, fh);
    }
  }

  @Test
  void oSync_writesAreCommittedBeforeWriteReturns() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (var a = h.client(); var b = h.client()) {
      var o = a.vfs().create(ctx, Meta.ROOT, "s", 0644, 0, O_RDWR | O_SYNC);
      long ino = o.entry().ino();
      a.vfs().write(ctx, ino, o.fh(), 0, ByteBuffer.wrap("durable".getBytes()));
      assertThat(b.meta().getattr(ctx, ino).length()).as("committed without flush").isEqualTo(7);
      a.vfs().release(ctx, ino, o.fh());
    }
  }

  @Test
  void handles_errors() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (var c = h.client()) {
      Vfs v = c.vfs();
      var o = v.create(ctx, Meta.ROOT, "f", 0644, 0, O_RDONLY);
      assertThatThrownBy(() -> v.write(ctx, o.entry().ino(), o.fh(), 0, ByteBuffer.wrap(new byte[1])))
          .isInstanceOf(FsException.class).matches(e -> ((FsException) e).errno() == Errno.EBADF);
      assertThatThrownBy(() -> v.read(ctx, o.entry().ino(), 999, 0, ByteBuffer.allocate(1)))
          .matches(e -> ((FsException) e).errno() == Errno.EBADF);
      v.release(ctx, o.entry().ino(), o.fh());
      assertThatThrownBy(() -> v.create(ctx, Meta.ROOT, "f", 0644, 0, O_EXCL | O_RDWR))
          .matches(e -> ((FsException) e).errno() == Errno.EEXIST);
      var again = v.create(ctx, Meta.ROOT, "f", 0644, 0, O_RDWR); // without O_EXCL: opens it
      assertThat(again.entry().ino()).isEqualTo(o.entry().ino());
      v.release(ctx, again.entry().ino(), again.fh());
    }
  }

  @Test
  void oAppend_concurrentWritersLoseNothing() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (var c = h.client()) {
      Vfs v = c.vfs();
      var o = v.create(ctx, Meta.ROOT, "log", 0644, 0, O_RDWR | O_APPEND);
      long ino = o.entry().ino();
      v.release(ctx, ino, o.fh());
      int writers = 4;
      int lines = 200;
      try (ExecutorService ex = Executors.newFixedThreadPool(writers)) {
        List<Future<?>> fs = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          int id = w;
          fs.add(ex.submit(() -> {
            long fh = v.open(ctx, ino, O_WRONLY | O_APPEND);
            for (int i = 0; i < lines; i++) {
              v.write(ctx, ino, fh, 0, ByteBuffer.wrap(String.format("w%d-%04d\n", id, i).getBytes(StandardCharsets.US_ASCII)));
            }
            v.flush(ctx, ino, fh, 0);
            v.release(ctx, ino, fh);
            return null;
          }));
        }
        for (Future<?> f : fs) {
          f.get();
        }
      }
      byte[] all = new FileSystem(v).readAll(ctx, "/log");
      String[] got = new String(all, StandardCharsets.US_ASCII).split("\n");
      assertThat(got).hasSize(writers * lines);
      Set<String> unique = new HashSet<>(List.of(got));
      assertThat(unique).hasSize(writers * lines);
    }
  }

  @Test
  void oAppend_landsAtTheEnd_evenWithAPendingWriteInTheMiddle() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (var c = h.client()) {
      Vfs v = c.vfs();
      FileSystem fs = new FileSystem(v);
      fs.writeAll(ctx, "/f", new byte[1 << 20]);
      long ino = fs.stat(ctx, "/f").ino();
      long plain = v.open(ctx, ino, O_RDWR);
      long app = v.open(ctx, ino, O_WRONLY | O_APPEND);
      v.write(ctx, ino, plain, 0, ByteBuffer.wrap("head".getBytes()));
      v.write(ctx, ino, app, 0, ByteBuffer.wrap("END".getBytes()));
      v.write(ctx, ino, app, 0, ByteBuffer.wrap("!".getBytes()));
      v.release(ctx, ino, plain);
      v.release(ctx, ino, app);
      byte[] all = fs.readAll(ctx, "/f");
      assertThat(all).hasSize((1 << 20) + 4);
      assertThat(new String(all, 0, 4)).isEqualTo("head");
      assertThat(new String(all, 1 << 20, 4)).isEqualTo("END!");
    }
  }

  @Test
  void fragmentedChunk_isCompacted_andDataStaysTheSame() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (var c = h.client(io.nectarfs.chunk.ChunkConfig.inMemory(h.blockSize), VfsConfig.defaults().withCompactThreshold(10))) {
      Vfs v = c.vfs();
      var o = v.create(ctx, Meta.ROOT, "frag", 0644, 0, O_RDWR);
      long ino = o.entry().ino();
      byte[] expect = new byte[100_000];
      java.util.Random r = new java.util.Random(3);
      for (int i = 0; i < 30; i++) {
        int off = r.nextInt(90_000);
        byte[] d = new byte[r.nextInt(10_000) + 1];
        r.nextBytes(d);
        v.write(ctx, ino, o.fh(), off, ByteBuffer.wrap(d));
        System.arraycopy(d, 0, expect, off, Math.min(d.length, expect.length - off));
        v.fsync(ctx, ino, o.fh(), false); // one slice per write
      }
      long len = v.getattr(ctx, ino).length();
      // Every commit above triggered compaction; once none is pending, the last one has been acted on.
      assertThat(((VfsImpl) v).compactor().awaitIdle(Duration.ofMinutes(5))).as("compactor idle").isTrue();
      assertThat(c.meta().read(ctx, ino, 0).size()).as("slices after compaction").isLessThan(10);
      byte[] got = new byte[(int) len];
      read(v, ino, o.fh(), 0, got);
      assertThat(got).isEqualTo(java.util.Arrays.copyOf(expect, (int) len));
      v.release(ctx, ino, o.fh());
      // The replaced slices' objects are freed; nothing leaks.
      c.meta().runBackgroundJobs();
      Gc.Report report = Gc.run(c.meta(), c.store(), Duration.ZERO, false, n -> {});
      assertThat(report.leakedObjects()).isZero();
    }
  }

  @Test
  void internalFiles_showStatsAndConfig() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (var c = h.client()) {
      FileSystem fs = new FileSystem(c.vfs());
      fs.writeAll(ctx, "/x", new byte[1000]);
      String stats = new String(fs.readAll(ctx, "/.stats"), StandardCharsets.UTF_8);
      assertThat(stats).contains("nectar_vfs_write_bytes_total 1000.0", "# TYPE nectar_chunk_buffer_used_bytes gauge");
      assertThat(new String(fs.readAll(ctx, "/.config"), StandardCharsets.UTF_8)).contains("\"volume\": \"vfs-test\"");
      assertThat(fs.list(ctx, "/")).extracting(FileSystem.Child::name).containsExactly("x");
      assertThatThrownBy(() -> fs.delete(ctx, "/.stats", false)).matches(e -> ((FsException) e).errno() == Errno.EPERM);
    }
  }

  @Test
  void readdirOffsets_resumeAndSurviveChanges() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (var c = h.client()) {
      Vfs v = c.vfs();
      long d = v.mkdir(ctx, Meta.ROOT, "d", 0755, 0).ino();
      for (int i = 0; i < 2500; i++) {
        v.mknod(ctx, d, String.format("e%05d", i), 0100644, 0, 0);
      }
      long fh = v.opendir(ctx, d, 0);
      List<String> names = new ArrayList<>();
      long off = 0;
      while (true) {
        List<Vfs.DirEntryAt> page = v.readdir(ctx, d, fh, off, 333, false);
        if (page.isEmpty()) {
          break;
        }
        for (Vfs.DirEntryAt e : page) {
          names.add(e.name());
          off = e.offset();
        }
        if (names.size() == 700) {
          v.unlink(ctx, d, "e02000");
        }
      }
      v.releasedir(ctx, d, fh);
      assertThat(names.subList(0, 2)).containsExactly(".", "..");
      assertThat(names).hasSize(2502).doesNotHaveDuplicates();
    }
  }

  @Test
  void lseek_findsDataAndHoles() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (var c = h.client()) {
      Vfs v = c.vfs();
      var o = v.create(ctx, Meta.ROOT, "sparse", 0644, 0, O_RDWR);
      long ino = o.entry().ino();
      v.write(ctx, ino, o.fh(), 1 << 20, ByteBuffer.wrap(new byte[4096]));
      v.setattr(ctx, ino, o.fh(), io.nectarfs.meta.SetAttr.truncate(4 << 20));
      assertThat(v.lseek(ctx, ino, o.fh(), 0, 3)).isEqualTo(1 << 20);
      assertThat(v.lseek(ctx, ino, o.fh(), 0, 4)).isEqualTo(0);
      assertThat(v.lseek(ctx, ino, o.fh(), 1 << 20, 4)).isEqualTo((1 << 20) + 4096);
      assertThatThrownBy(() -> v.lseek(ctx, ino, o.fh(), 2 << 20, 3)).matches(e -> ((FsException) e).errno() == Errno.ENXIO);
      v.release(ctx, ino, o.fh());
    }
  }

  @Test
  void pathApi_symlinksAndMkdirs() throws Exception {
    VfsHarness h = VfsHarness.memory(tmp);
    try (var c = h.client()) {
      FileSystem fs = new FileSystem(c.vfs());
      fs.mkdirs(ctx, "/a/b/c", 0755);
      fs.writeAll(ctx, "/a/b/c/file", "data".getBytes());
      fs.symlink(ctx, "b/c", "/a/link");
      fs.symlink(ctx, "/a/b", "/abs");
      assertThat(new String(fs.readAll(ctx, "/a/link/file"))).isEqualTo("data");
      assertThat(new String(fs.readAll(ctx, "/abs/c/file"))).isEqualTo("data");
      fs.symlink(ctx, "loop2", "/loop1");
      fs.symlink(ctx, "loop1", "/loop2");
      assertThatThrownBy(() -> fs.stat(ctx, "/loop1")).matches(e -> ((FsException) e).errno() == Errno.ELOOP);
      fs.rename(ctx, "/a/b/c/file", "/moved", 0);
      assertThat(fs.stat(ctx, "/moved").attr().length()).isEqualTo(4);
      fs.delete(ctx, "/a", true);
      assertThatThrownBy(() -> fs.stat(ctx, "/a")).matches(e -> ((FsException) e).errno() == Errno.ENOENT);
    }
  }
}
