package io.nectarfs.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.fs.FileApi.Child;
import io.nectarfs.fs.FileApi.Page;
import io.nectarfs.fs.FileApi.Stat;
import io.nectarfs.meta.FileType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * The file-API cases, run as root against every implementation ({@link VolumeFileApiTest}: a
 * volume; {@link NioFileApiTest}: a local directory through java.nio.file), asserting the same
 * results and errnos on both.
 */
abstract class FileApiContract {
  static final Ctx ROOT = Ctx.ROOT;

  /** The implementation under test, on an empty tree. */
  abstract FileApi api();

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Asserts that {@code call} fails with {@code errno} and a message naming {@code path}. */
  static void fails(Errno errno, String path, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(FsException.class, e -> {
      assertThat(e.errno()).as(e.getMessage()).isEqualTo(errno);
      assertThat(e.getMessage()).contains(path);
    });
  }

  // ---- attributes ----

  @Test
  void stat_followsLinks_lstatDoesNot() throws IOException {
    FileApi fs = api();
    fs.mkdir(ROOT, "/d", 0755);
    fs.writeAll(ROOT, "/d/f", bytes("hello"));
    fs.symlink(ROOT, "d/f", "/link");
    fs.symlink(ROOT, "d", "/dirlink");
    assertThat(fs.stat(ROOT, "/d").attr().type()).isEqualTo(FileType.DIR);
    assertThat(fs.stat(ROOT, "/d/f").attr().length()).isEqualTo(5);
    assertThat(fs.stat(ROOT, "/link").attr().type()).isEqualTo(FileType.FILE);
    assertThat(fs.stat(ROOT, "/link").ino()).isEqualTo(fs.stat(ROOT, "/d/f").ino());
    assertThat(fs.lstat(ROOT, "/link").attr().type()).isEqualTo(FileType.SYMLINK);
    assertThat(fs.lstat(ROOT, "/link").attr().length()).isEqualTo(3);
    assertThat(fs.stat(ROOT, "/dirlink/f").attr().length()).isEqualTo(5);
    assertThat(fs.stat(ROOT, "/d/./f/").path()).isEqualTo("/d/./f/");
    assertThat(fs.stat(ROOT, "/").attr().isDir()).isTrue();
    fails(Errno.ENOENT, "/d/missing", () -> fs.stat(ROOT, "/d/missing"));
    fails(Errno.ENOTDIR, "/d/f/x", () -> fs.stat(ROOT, "/d/f/x"));
    fs.symlink(ROOT, "loop2", "/loop1");
    fs.symlink(ROOT, "loop1", "/loop2");
    fails(Errno.ELOOP, "/loop1", () -> fs.stat(ROOT, "/loop1"));
    assertThat(fs.lstat(ROOT, "/loop1").attr().type()).isEqualTo(FileType.SYMLINK);
    fails(Errno.EINVAL, "relative", () -> fs.stat(ROOT, "relative"));
  }

  @Test
  void access_checksModeBits() throws IOException {
    FileApi fs = api();
    fs.writeAll(ROOT, "/f", bytes("x"));
    fs.chmod(ROOT, "/f", 0644);
    fs.access(ROOT, "/f", FileApi.F_OK);
    fs.access(ROOT, "/f", FileApi.R_OK | FileApi.W_OK);
    fails(Errno.EACCES, "/f", () -> fs.access(ROOT, "/f", FileApi.X_OK));
    fs.chmod(ROOT, "/f", 0744);
    fs.access(ROOT, "/f", FileApi.X_OK);
    fails(Errno.ENOENT, "/nope", () -> fs.access(ROOT, "/nope", FileApi.F_OK));
  }

  @Test
  void chmodChownUtimes_changeAttributes() throws IOException {
    FileApi fs = api();
    fs.writeAll(ROOT, "/f", bytes("x"));
    assertThat(fs.chmod(ROOT, "/f", 0640).attr().mode()).isEqualTo(0640);
    assertThat(fs.stat(ROOT, "/f").attr().mode()).isEqualTo(0640);
    Stat owned = fs.chown(ROOT, "/f", 1234, 5678);
    assertThat(owned.attr().uid()).isEqualTo(1234);
    assertThat(owned.attr().gid()).isEqualTo(5678);
    assertThat(fs.chown(ROOT, "/f", -1, 42).attr().uid()).isEqualTo(1234);
    assertThat(fs.stat(ROOT, "/f").attr().gid()).isEqualTo(42);
    long a = 1_600_000_000_123_456_789L;
    long m = 1_500_000_000_987_654_321L;
    Stat t = fs.utimes(ROOT, "/f", a, m);
    assertThat(t.attr().atime()).isEqualTo(a);
    assertThat(t.attr().mtime()).isEqualTo(m);
    fs.utimes(ROOT, "/f", FileApi.TIME_OMIT, m + 1);
    assertThat(fs.stat(ROOT, "/f").attr().atime()).isEqualTo(a);
    assertThat(fs.stat(ROOT, "/f").attr().mtime()).isEqualTo(m + 1);
    long before = System.currentTimeMillis() * 1_000_000L - 1_000_000_000L;
    fs.utimes(ROOT, "/f", FileApi.TIME_NOW, FileApi.TIME_OMIT);
    assertThat(fs.stat(ROOT, "/f").attr().atime()).isGreaterThan(before);
    assertThat(fs.stat(ROOT, "/f").attr().mtime()).isEqualTo(m + 1);
    fails(Errno.ENOENT, "/nope", () -> fs.chmod(ROOT, "/nope", 0600));
    fails(Errno.ENOENT, "/nope", () -> fs.chown(ROOT, "/nope", 1, 1));
    fails(Errno.ENOENT, "/nope", () -> fs.utimes(ROOT, "/nope", a, m));
  }

  @Test
  void truncateByPath_cutsAndExtendsWithZeros() throws IOException {
    FileApi fs = api();
    fs.writeAll(ROOT, "/f", bytes("hello world"));
    assertThat(fs.truncate(ROOT, "/f", 5).attr().length()).isEqualTo(5);
    assertThat(fs.readAll(ROOT, "/f")).isEqualTo(bytes("hello"));
    fs.truncate(ROOT, "/f", 8);
    assertThat(fs.readAll(ROOT, "/f")).isEqualTo(new byte[] {'h', 'e', 'l', 'l', 'o', 0, 0, 0});
    fs.mkdir(ROOT, "/d", 0755);
    fails(Errno.EISDIR, "/d", () -> fs.truncate(ROOT, "/d", 0));
    fails(Errno.EINVAL, "/f", () -> fs.truncate(ROOT, "/f", -1));
    fails(Errno.ENOENT, "/nope", () -> fs.truncate(ROOT, "/nope", 0));
  }

  // ---- names ----

  @Test
  void mkdirAndMkdirs() throws IOException {
    FileApi fs = api();
    assertThat(fs.mkdir(ROOT, "/d", 0750).attr().mode()).isEqualTo(0750);
    fails(Errno.EEXIST, "/d", () -> fs.mkdir(ROOT, "/d", 0755));
    fails(Errno.ENOENT, "/x/y", () -> fs.mkdir(ROOT, "/x/y", 0755));
    fs.writeAll(ROOT, "/f", bytes("x"));
    fails(Errno.ENOTDIR, "/f/y", () -> fs.mkdir(ROOT, "/f/y", 0755));
    Stat deep = fs.mkdirs(ROOT, "/a/b/c", 0700);
    assertThat(deep.attr().isDir()).isTrue();
    assertThat(fs.stat(ROOT, "/a/b").attr().mode()).isEqualTo(0700);
    assertThat(fs.mkdirs(ROOT, "/a/b/c", 0700).ino()).isEqualTo(deep.ino());
    fails(Errno.EEXIST, "/f", () -> fs.mkdirs(ROOT, "/f", 0755));
    fails(Errno.ENOTDIR, "/f/g/h", () -> fs.mkdirs(ROOT, "/f/g/h", 0755));
  }

  @Test
  void unlinkAndRmdir() throws IOException {
    FileApi fs = api();
    fs.mkdirs(ROOT, "/d/sub", 0755);
    fs.writeAll(ROOT, "/d/f", bytes("x"));
    fails(Errno.EISDIR, "/d/sub", () -> fs.unlink(ROOT, "/d/sub"));
    fails(Errno.ENOTDIR, "/d/f", () -> fs.rmdir(ROOT, "/d/f"));
    fails(Errno.ENOTEMPTY, "/d", () -> fs.rmdir(ROOT, "/d"));
    fails(Errno.ENOENT, "/d/nope", () -> fs.unlink(ROOT, "/d/nope"));
    fails(Errno.ENOENT, "/d/nope", () -> fs.rmdir(ROOT, "/d/nope"));
    fails(Errno.EBUSY, "/", () -> fs.rmdir(ROOT, "/"));
    fails(Errno.EISDIR, "/", () -> fs.unlink(ROOT, "/"));
    fails(Errno.EEXIST, "/", () -> fs.mkdir(ROOT, "/", 0755));
    fs.unlink(ROOT, "/d/f");
    fs.rmdir(ROOT, "/d/sub");
    fs.rmdir(ROOT, "/d");
    assertThat(fs.list(ROOT, "/")).isEmpty();
  }

  @Test
  void rename_withFlags() throws IOException {
    FileApi fs = api();
    fs.writeAll(ROOT, "/a", bytes("A"));
    fs.writeAll(ROOT, "/b", bytes("B"));
    fs.rename(ROOT, "/a", "/c", 0);
    fails(Errno.ENOENT, "/a", () -> fs.stat(ROOT, "/a"));
    fails(Errno.EEXIST, "/b", () -> fs.rename(ROOT, "/c", "/b", FileApi.RENAME_NOREPLACE));
    fs.rename(ROOT, "/c", "/b", FileApi.RENAME_EXCHANGE);
    assertThat(fs.readAll(ROOT, "/b")).isEqualTo(bytes("A"));
    assertThat(fs.readAll(ROOT, "/c")).isEqualTo(bytes("B"));
    fails(Errno.ENOENT, "/zz", () -> fs.rename(ROOT, "/c", "/zz", FileApi.RENAME_EXCHANGE));
    fs.rename(ROOT, "/c", "/b", 0);
    assertThat(fs.readAll(ROOT, "/b")).isEqualTo(bytes("B"));
    fs.mkdirs(ROOT, "/full/x", 0755);
    fs.mkdir(ROOT, "/empty", 0755);
    fs.mkdir(ROOT, "/dir", 0755);
    fails(Errno.ENOTEMPTY, "/full", () -> fs.rename(ROOT, "/dir", "/full", 0));
    fails(Errno.EISDIR, "/empty", () -> fs.rename(ROOT, "/b", "/empty", 0));
    fails(Errno.ENOTDIR, "/b", () -> fs.rename(ROOT, "/dir", "/b", 0));
    fails(Errno.EINVAL, "/dir/in", () -> fs.rename(ROOT, "/dir", "/dir/in", 0));
    fs.rename(ROOT, "/dir", "/empty", 0);
    fails(Errno.ENOENT, "/dir", () -> fs.stat(ROOT, "/dir"));
    // as renameat2(2): NOREPLACE onto the same name finds the target existing; a target that is an
    // ancestor of the source is ENOTEMPTY (EINVAL for EXCHANGE), whatever the kinds
    fails(Errno.EEXIST, "/b", () -> fs.rename(ROOT, "/b", "/b", FileApi.RENAME_NOREPLACE));
    fs.rename(ROOT, "/b", "/b", 0);
    fs.writeAll(ROOT, "/full/file", bytes("f"));
    fails(Errno.ENOTEMPTY, "/full", () -> fs.rename(ROOT, "/full/file", "/full", 0));
    fails(Errno.ENOTEMPTY, "/full", () -> fs.rename(ROOT, "/full/x", "/full", 0));
    fails(Errno.ENOENT, "/nope", () -> fs.rename(ROOT, "/nope", "/x", 0));
  }

  @Test
  void symlinkReadlinkLink() throws IOException {
    FileApi fs = api();
    fs.writeAll(ROOT, "/f", bytes("data"));
    assertThat(fs.symlink(ROOT, "f", "/s").attr().type()).isEqualTo(FileType.SYMLINK);
    assertThat(fs.readlink(ROOT, "/s")).isEqualTo("f");
    fails(Errno.EINVAL, "/f", () -> fs.readlink(ROOT, "/f"));
    fails(Errno.EEXIST, "/s", () -> fs.symlink(ROOT, "g", "/s"));
    fails(Errno.ENOENT, "/empty", () -> fs.symlink(ROOT, "", "/empty"));
    Stat l = fs.link(ROOT, "/f", "/hard");
    assertThat(l.ino()).isEqualTo(fs.stat(ROOT, "/f").ino());
    assertThat(fs.stat(ROOT, "/f").attr().nlink()).isEqualTo(2);
    assertThat(fs.readAll(ROOT, "/hard")).isEqualTo(bytes("data"));
    fails(Errno.EEXIST, "/hard", () -> fs.link(ROOT, "/f", "/hard"));
    fs.mkdir(ROOT, "/d", 0755);
    fails(Errno.EPERM, "/d", () -> fs.link(ROOT, "/d", "/d2"));
    fails(Errno.ENOENT, "/nope", () -> fs.link(ROOT, "/nope", "/x"));
  }

  // ---- files and handles ----

  @Test
  void createAndOpen_options() throws IOException {
    FileApi fs = api();
    try (FileHandle h = fs.create(ROOT, "/f", 0600, false)) {
      h.write(ByteBuffer.wrap(bytes("first")));
    }
    assertThat(fs.stat(ROOT, "/f").attr().mode()).isEqualTo(0600);
    fails(Errno.EEXIST, "/f", () -> fs.create(ROOT, "/f", 0600, false));
    try (FileHandle h = fs.open(ROOT, "/f", StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
      h.write(ByteBuffer.wrap(bytes("F")));
    }
    assertThat(fs.readAll(ROOT, "/f")).isEqualTo(bytes("First"));
    fs.create(ROOT, "/f", 0600, true).close();
    assertThat(fs.stat(ROOT, "/f").attr().length()).isZero();
    fails(Errno.ENOENT, "/nope", () -> fs.open(ROOT, "/nope"));
    fs.mkdir(ROOT, "/d", 0755);
    fails(Errno.EISDIR, "/d", () -> fs.open(ROOT, "/d"));
    fails(Errno.EISDIR, "/d", () -> fs.open(ROOT, "/d", StandardOpenOption.WRITE, StandardOpenOption.CREATE));
    fails(Errno.EEXIST, "/d", () -> fs.create(ROOT, "/d", 0644, false));
    fails(Errno.ENOENT, "/nodir/f", () -> fs.create(ROOT, "/nodir/f", 0644, false));
    fs.symlink(ROOT, "f", "/s");
    fails(Errno.ELOOP, "/s", () -> fs.open(ROOT, "/s", LinkOption.NOFOLLOW_LINKS));
    fs.open(ROOT, "/s").close();
  }

  @Test
  void handle_positionalAndCursorIo() throws IOException {
    FileApi fs = api();
    byte[] data = random(300_000, 1);
    try (FileHandle h = fs.open(ROOT, "/f", StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
      assertThat(h.pwrite(ByteBuffer.wrap(data, 100_000, 200_000), 100_000)).isEqualTo(200_000);
      assertThat(h.pwrite(0, data, 0, 100_000)).isEqualTo(100_000);
      assertThat(h.position()).isZero();
      assertThat(h.size()).isEqualTo(300_000);
      assertThat(h.attr().length()).isEqualTo(300_000);
      byte[] back = new byte[1000];
      assertThat(h.pread(150_000, back, 0, 1000)).isEqualTo(1000);
      assertThat(back).isEqualTo(Arrays.copyOfRange(data, 150_000, 151_000));
      ByteBuffer tail = ByteBuffer.allocate(500);
      assertThat(h.pread(tail, 299_800)).isEqualTo(200);
      assertThat(h.pread(ByteBuffer.allocate(10), 300_000)).isEqualTo(-1);
      assertThat(h.pread(ByteBuffer.allocate(0), 0)).isZero();
      ByteBuffer first = ByteBuffer.allocate(10);
      assertThat(h.read(first)).isEqualTo(10);
      assertThat(first.array()).isEqualTo(Arrays.copyOf(data, 10));
      assertThat(h.position()).isEqualTo(10);
      h.seek(299_995);
      assertThat(h.read(ByteBuffer.allocate(100))).isEqualTo(5);
      assertThat(h.read(ByteBuffer.allocate(100))).isEqualTo(-1);
      h.seek(400_000);
      h.write(ByteBuffer.wrap(bytes("end")));
      assertThat(h.position()).isEqualTo(400_003);
      assertThat(h.size()).isEqualTo(400_003);
      byte[] hole = new byte[100];
      h.pread(350_000, hole, 0, 100);
      assertThat(hole).containsOnly(0);
      h.truncate(200_000);
      assertThat(h.size()).isEqualTo(200_000);
      assertThat(h.position()).isEqualTo(400_003);
      h.truncate(250_000);
      assertThat(h.pread(ByteBuffer.allocate(50_000), 200_000)).isEqualTo(50_000);
      h.fsync();
      h.flush();
      fails(Errno.EINVAL, "/f", () -> h.pread(ByteBuffer.allocate(1), -1));
      fails(Errno.EINVAL, "/f", () -> h.seek(-1));
    }
    assertThat(fs.stat(ROOT, "/f").attr().length()).isEqualTo(250_000);
    assertThat(Arrays.copyOf(fs.readAll(ROOT, "/f"), 200_000)).isEqualTo(Arrays.copyOf(data, 200_000));
  }

  @Test
  void handle_closeIsIdempotent_thenEbadf_andModesAreEnforced() throws IOException {
    FileApi fs = api();
    fs.writeAll(ROOT, "/f", bytes("abc"));
    FileHandle r = fs.open(ROOT, "/f");
    fails(Errno.EBADF, "/f", () -> r.write(ByteBuffer.wrap(bytes("x"))));
    fails(Errno.EBADF, "/f", () -> r.pwrite(ByteBuffer.wrap(bytes("x")), 0));
    fails(Errno.EBADF, "/f", () -> r.truncate(0));
    assertThat(r.isOpen()).isTrue();
    r.close();
    r.close();
    assertThat(r.isOpen()).isFalse();
    fails(Errno.EBADF, "/f", () -> r.read(ByteBuffer.allocate(1)));
    fails(Errno.EBADF, "/f", () -> r.pread(ByteBuffer.allocate(1), 0));
    fails(Errno.EBADF, "/f", r::size);
    fails(Errno.EBADF, "/f", r::position);
    FileHandle w = fs.open(ROOT, "/f", StandardOpenOption.WRITE);
    fails(Errno.EBADF, "/f", () -> w.pread(ByteBuffer.allocate(1), 0));
    w.close();
    fails(Errno.EBADF, "/f", () -> w.write(ByteBuffer.wrap(bytes("x"))));
    fails(Errno.EBADF, "/f", w::fsync);
  }

  @Test
  void handle_concurrentCursorReads_getEachRangeOnce_andPreadsAreIndependent() throws Exception {
    FileApi fs = api();
    int ints = 50_000;
    ByteBuffer all = ByteBuffer.allocate(ints * 4);
    for (int i = 0; i < ints; i++) {
      all.putInt(i);
    }
    fs.writeAll(ROOT, "/f", all.array());
    try (FileHandle h = fs.open(ROOT, "/f");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
      List<java.util.concurrent.Future<List<Integer>>> parts = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        parts.add(pool.submit(() -> {
          List<Integer> got = new ArrayList<>();
          ByteBuffer b = ByteBuffer.allocate(4000);
          while (true) {
            b.clear();
            int n = h.read(b);
            if (n < 0) {
              return got;
            }
            assertThat(n).isEqualTo(4000);
            b.flip();
            while (b.hasRemaining()) {
              got.add(b.getInt());
            }
          }
        }));
        parts.add(pool.submit(() -> {
          Random r = new Random();
          for (int k = 0; k < 50; k++) {
            int i = r.nextInt(ints);
            ByteBuffer one = ByteBuffer.allocate(4);
            assertThat(h.pread(one, i * 4L)).isEqualTo(4);
            assertThat(one.getInt(0)).isEqualTo(i);
          }
          return List.of();
        }));
      }
      List<Integer> seen = new ArrayList<>();
      for (var f : parts) {
        seen.addAll(f.get());
      }
      assertThat(seen).hasSize(ints).doesNotHaveDuplicates();
    }
  }

  @Test
  void handle_append_writesAtTheEnd() throws IOException {
    FileApi fs = api();
    fs.writeAll(ROOT, "/log", bytes("one\n"));
    try (FileHandle h = fs.open(ROOT, "/log", StandardOpenOption.APPEND)) {
      h.write(ByteBuffer.wrap(bytes("two\n")));
      h.pwrite(ByteBuffer.wrap(bytes("three\n")), 0);
      assertThat(h.position()).isEqualTo(14);
    }
    assertThat(fs.readAll(ROOT, "/log")).isEqualTo(bytes("one\ntwo\nthree\n"));
  }

  @Test
  void handle_survivesUnlink() throws IOException {
    FileApi fs = api();
    fs.writeAll(ROOT, "/f", bytes("kept"));
    try (FileHandle h = fs.open(ROOT, "/f")) {
      fs.unlink(ROOT, "/f");
      byte[] b = new byte[4];
      assertThat(h.pread(0, b, 0, 4)).isEqualTo(4);
      assertThat(b).isEqualTo(bytes("kept"));
    }
  }

  @Test
  void streams_shareTheCursor() throws IOException {
    FileApi fs = api();
    byte[] data = random(200_000, 2);
    try (OutputStream out = fs.newOutputStream(ROOT, "/f", 0644, false)) {
      out.write(data, 0, 1000);
      out.write(data[1000]);
      out.flush();
      out.write(data, 1001, data.length - 1001);
    }
    try (InputStream in = fs.newInputStream(ROOT, "/f")) {
      assertThat(in.read()).isEqualTo(data[0] & 0xff);
      assertThat(in.skip(9)).isEqualTo(9);
      assertThat(in.available()).isEqualTo(data.length - 10);
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(data, 10, data.length));
      assertThat(in.read()).isEqualTo(-1);
      assertThat(in.skip(5)).isZero();
    }
    FileHandle h = fs.open(ROOT, "/f");
    h.seek(100);
    try (InputStream in = h.inputStream()) {
      assertThat(in.readNBytes(5)).isEqualTo(Arrays.copyOfRange(data, 100, 105));
      assertThat(h.position()).isEqualTo(105);
    }
    assertThat(h.isOpen()).isFalse();
  }

  @Test
  void channel_seekableGrowableTruncatesOnlyDown() throws IOException {
    FileApi fs = api();
    try (SeekableByteChannel ch = fs.open(ROOT, "/f", StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE).channel()) {
      assertThat(ch.write(ByteBuffer.wrap(bytes("0123456789")))).isEqualTo(10);
      assertThat(ch.position()).isEqualTo(10);
      ch.position(20).write(ByteBuffer.wrap(bytes("x")));
      assertThat(ch.size()).isEqualTo(21);
      ch.truncate(100);
      assertThat(ch.size()).isEqualTo(21);
      ch.truncate(5);
      assertThat(ch.size()).isEqualTo(5);
      assertThat(ch.position()).isEqualTo(5);
      ch.position(1);
      ByteBuffer b = ByteBuffer.allocate(10);
      assertThat(ch.read(b)).isEqualTo(4);
      assertThat(ch.read(b)).isEqualTo(-1);
      assertThatThrownBy(() -> ch.position(-1)).isInstanceOf(IllegalArgumentException.class);
      ch.close();
      assertThat(ch.isOpen()).isFalse();
      assertThatThrownBy(ch::size).isInstanceOf(ClosedChannelException.class);
      ch.close();
    }
    assertThat(fs.readAll(ROOT, "/f")).isEqualTo(bytes("01234"));
  }

  @Test
  void copyRange_copiesBytes_shortAtTheEnd() throws IOException {
    FileApi fs = api();
    byte[] data = random(200_000, 3);
    fs.writeAll(ROOT, "/src", data);
    fs.writeAll(ROOT, "/dst", bytes("head"));
    assertThat(fs.copyRange(ROOT, "/src", 1000, "/dst", 4, 150_000)).isEqualTo(150_000);
    byte[] got = fs.readAll(ROOT, "/dst");
    assertThat(got).hasSize(150_004);
    assertThat(Arrays.copyOfRange(got, 4, got.length)).isEqualTo(Arrays.copyOfRange(data, 1000, 151_000));
    assertThat(fs.copyRange(ROOT, "/src", 190_000, "/dst", 0, 50_000)).isEqualTo(10_000);
    assertThat(fs.copyRange(ROOT, "/src", 300_000, "/dst", 0, 10)).isZero();
    fs.mkdir(ROOT, "/d", 0755);
    fails(Errno.EISDIR, "/d", () -> fs.copyRange(ROOT, "/d", 0, "/dst", 0, 1));
    fails(Errno.ENOENT, "/nope", () -> fs.copyRange(ROOT, "/src", 0, "/nope", 0, 1));
    fails(Errno.EINVAL, "/src", () -> fs.copyRange(ROOT, "/src", -1, "/dst", 0, 1));
  }

  // ---- extended attributes ----

  @Test
  void xattrs_withFlags() throws IOException {
    FileApi fs = api();
    fs.writeAll(ROOT, "/f", bytes("x"));
    fs.setXattr(ROOT, "/f", "user.etag", bytes("abc"), 0);
    assertThat(fs.getXattr(ROOT, "/f", "user.etag")).isEqualTo(bytes("abc"));
    fails(Errno.EEXIST, "/f", () -> fs.setXattr(ROOT, "/f", "user.etag", bytes("x"), FileApi.XATTR_CREATE));
    fs.setXattr(ROOT, "/f", "user.etag", bytes("def"), FileApi.XATTR_REPLACE);
    assertThat(fs.getXattr(ROOT, "/f", "user.etag")).isEqualTo(bytes("def"));
    fails(Errno.ENODATA, "/f", () -> fs.setXattr(ROOT, "/f", "user.other", bytes("x"), FileApi.XATTR_REPLACE));
    fs.setXattr(ROOT, "/f", "user.other", new byte[0], FileApi.XATTR_CREATE);
    assertThat(fs.listXattrs(ROOT, "/f")).containsExactlyInAnyOrder("user.etag", "user.other");
    fs.removeXattr(ROOT, "/f", "user.etag");
    fails(Errno.ENODATA, "/f", () -> fs.getXattr(ROOT, "/f", "user.etag"));
    fails(Errno.ENODATA, "/f", () -> fs.removeXattr(ROOT, "/f", "user.etag"));
    assertThat(fs.listXattrs(ROOT, "/f")).containsExactly("user.other");
    fails(Errno.ENOENT, "/nope", () -> fs.listXattrs(ROOT, "/nope"));
  }

  @Test
  void xattrs_byInode_matchThePath_andAnUnpublishedOneIsSeenBeforeAndAfterTheRename() throws IOException {
    FileApi fs = api();
    fs.writeAll(ROOT, "/f", bytes("x"));
    long ino = fs.stat(ROOT, "/f").ino();
    fs.setXattr(ROOT, "/f", "user.a", bytes("1"), 0);
    assertThat(fs.getXattr(ROOT, "/f", ino, "user.a")).isEqualTo(bytes("1"));
    fails(Errno.ENODATA, "/f", () -> fs.getXattr(ROOT, "/f", ino, "user.none"));

    fs.writeAll(ROOT, "/tmp.1", bytes("y"));
    long tmp = fs.stat(ROOT, "/tmp.1").ino();
    fs.setXattrBeforePublish(ROOT, "/tmp.1", tmp, "user.meta", bytes("m"));
    assertThat(fs.getXattr(ROOT, "/tmp.1", "user.meta")).isEqualTo(bytes("m"));
    fs.rename(ROOT, "/tmp.1", "/g", 0);
    assertThat(fs.getXattr(ROOT, "/g", "user.meta")).isEqualTo(bytes("m"));
    assertThat(fs.getXattr(ROOT, "/g", fs.stat(ROOT, "/g").ino(), "user.meta")).isEqualTo(bytes("m"));
  }

  // ---- listings ----

  @Test
  void list_isInByteOrderOfNames_withAttributes() throws IOException {
    FileApi fs = api();
    List<String> names = List.of("b", "B", "é", "a.b", "a0", "Z", "~", "ab");
    for (String n : names) {
      fs.writeAll(ROOT, "/" + n, bytes(n));
    }
    fs.mkdir(ROOT, "/a/", 0755);
    List<Child> all = fs.list(ROOT, "/");
    assertThat(all).extracting(Child::name).containsExactly("B", "Z", "a", "a.b", "a0", "ab", "b", "~", "é");
    assertThat(all.get(2).attr().isDir()).isTrue();
    assertThat(all.get(3).attr().length()).isEqualTo(3);
    assertThat(all.get(3).ino()).isEqualTo(fs.stat(ROOT, "/a.b").ino());
    fails(Errno.ENOTDIR, "/b", () -> fs.list(ROOT, "/b", null, 10));
    fails(Errno.ENOENT, "/nope", () -> fs.list(ROOT, "/nope", null, 10));
    fails(Errno.EINVAL, "/", () -> fs.list(ROOT, "/", null, 0));
    fails(Errno.EINVAL, "/", () -> fs.list(ROOT, "/", "!!not base64!!", 10));
  }

  @Test
  void list_pagesOf1000_cursorStableWhileTheDirectoryChanges() throws IOException {
    FileApi fs = api();
    fs.mkdir(ROOT, "/d", 0755);
    for (int i = 0; i < 2500; i++) {
      fs.create(ROOT, String.format("/d/f%05d", i * 2), 0644, false).close();
    }
    Page p1 = fs.list(ROOT, "/d", null, 1000);
    assertThat(p1.entries()).hasSize(1000);
    assertThat(p1.cursor()).isNotNull();
    // between pages: remove names already listed and some not yet listed, add names on both sides
    fs.unlink(ROOT, "/d/f00000");
    fs.unlink(ROOT, "/d/f02500"); // not yet listed, removed: may be absent
    fs.create(ROOT, "/d/f00001", 0644, false).close(); // before the cursor: not listed now
    fs.create(ROOT, "/d/f03001", 0644, false).close(); // after the cursor: listed
    Page p2 = fs.list(ROOT, "/d", p1.cursor(), 1000);
    fs.unlink(ROOT, String.format("/d/f%05d", 1998)); // the last of page 1: the cursor still works
    Page p3 = fs.list(ROOT, "/d", p2.cursor(), 1000);
    assertThat(p3.cursor()).isNull();
    List<String> seen = new ArrayList<>();
    for (Page p : List.of(p1, p2, p3)) {
      p.entries().forEach(c -> seen.add(c.name()));
    }
    assertThat(new HashSet<>(seen)).as("nothing twice").hasSize(seen.size());
    assertThat(seen).isSorted();
    Set<String> throughout = new HashSet<>();
    for (int i = 1; i < 2500; i++) {
      throughout.add(String.format("f%05d", i * 2));
    }
    throughout.remove("f02500");
    throughout.remove("f01998");
    assertThat(seen).containsAll(throughout).contains("f03001").doesNotContain("f00001", "f02500");
    assertThat(p1.entries().size() + p2.entries().size() + p3.entries().size()).isEqualTo(2500);
  }

  @Test
  void walk_deepAndWide_preOrder_lazy() throws IOException {
    FileApi fs = api();
    StringBuilder deep = new StringBuilder("/deep");
    for (int i = 0; i < 30; i++) {
      deep.append("/l").append(i);
    }
    fs.mkdirs(ROOT, deep.toString(), 0755);
    fs.writeAll(ROOT, deep + "/leaf", bytes("x"));
    for (int i = 0; i < 12; i++) {
      for (int j = 0; j < 12; j++) {
        fs.mkdirs(ROOT, "/wide/d" + i + "/e" + j, 0755);
        fs.writeAll(ROOT, "/wide/d" + i + "/e" + j + "/f", bytes("y"));
      }
    }
    fs.symlink(ROOT, "wide", "/link");
    List<String> paths;
    try (Stream<Stat> s = fs.walk(ROOT, "/", Integer.MAX_VALUE)) {
      paths = s.map(Stat::path).toList();
    }
    assertThat(paths.getFirst()).isEqualTo("/");
    assertThat(paths).hasSize(1 + 1 + 30 + 1 + 1 + 12 + 144 + 144 + 1);
    assertThat(paths).contains(deep + "/leaf", "/wide/d11/e11/f", "/link").doesNotContain("/link/d0");
    assertThat(paths.indexOf("/wide/d1")).isLessThan(paths.indexOf("/wide/d1/e0")).isLessThan(paths.indexOf("/wide/d10"));
    assertThat(paths.indexOf("/deep")).isLessThan(paths.indexOf("/link"));
    try (Stream<Stat> s = fs.walk(ROOT, "/wide", 1)) {
      assertThat(s.map(Stat::path)).hasSize(13).contains("/wide/d3").doesNotContain("/wide/d3/e0");
    }
    try (Stream<Stat> s = fs.walk(ROOT, "/wide/d0/e0/f", 5)) {
      assertThat(s.map(Stat::path)).containsExactly("/wide/d0/e0/f");
    }
    fails(Errno.ENOENT, "/nope", () -> fs.walk(ROOT, "/nope", 1));
  }

  @Test
  void walk_fetchesOnePageAtATime() throws IOException {
    FileApi real = api();
    real.mkdirs(ROOT, "/big/sub", 0755);
    for (int i = 0; i < 2500; i++) {
      real.create(ROOT, String.format("/big/f%05d", i), 0644, false).close();
    }
    List<Integer> pages = new ArrayList<>();
    FileApi counting = (FileApi) java.lang.reflect.Proxy.newProxyInstance(FileApi.class.getClassLoader(), new Class<?>[] {FileApi.class}, (proxy, m, args) -> {
      if (m.getName().equals("list") && args.length == 4) {
        pages.add((Integer) args[3]);
      }
      try {
        return m.invoke(real, args);
      } catch (java.lang.reflect.InvocationTargetException e) {
        throw e.getCause();
      }
    });
    try (Stream<Stat> s = Walk.stream(counting, ROOT, "/big", 10)) {
      java.util.Iterator<Stat> it = s.iterator();
      for (int i = 0; i < 5; i++) {
        it.next();
      }
      assertThat(pages).as("pages fetched for the first entries").containsExactly(Walk.PAGE);
      int n = 5;
      while (it.hasNext()) {
        it.next();
        n++;
      }
      assertThat(n).isEqualTo(1 + 2500 + 1);
    }
    assertThat(pages).as("three pages of /big, one of /big/sub").hasSize(4).allMatch(l -> l <= 1000);
  }

  @Test
  void walk_skipsADirectoryRemovedMeanwhile() throws IOException {
    FileApi fs = api();
    fs.mkdirs(ROOT, "/t/a/x", 0755);
    fs.mkdirs(ROOT, "/t/b/y", 0755);
    List<String> paths = new ArrayList<>();
    try (Stream<Stat> s = fs.walk(ROOT, "/t", 10)) {
      s.forEach(st -> {
        paths.add(st.path());
        if (st.path().equals("/t/a")) {
          try {
            fs.rmdir(ROOT, "/t/a/x");
            fs.rmdir(ROOT, "/t/a");
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      });
    }
    assertThat(paths).containsExactly("/t", "/t/a", "/t/b", "/t/b/y");
  }

  @Test
  void deleteRecursive_andReadAllWriteAll() throws IOException {
    FileApi fs = api();
    fs.mkdirs(ROOT, "/r/a/b", 0755);
    for (int i = 0; i < 1200; i++) {
      fs.create(ROOT, "/r/a/f" + i, 0644, false).close();
    }
    fs.writeAll(ROOT, "/r/a/b/g", bytes("g"));
    fails(Errno.ENOTEMPTY, "/r", () -> fs.delete(ROOT, "/r", false));
    fs.delete(ROOT, "/r", true);
    fails(Errno.ENOENT, "/r", () -> fs.stat(ROOT, "/r"));
  }

  // ---- statistics ----

  @Test
  void summary_countsTheTreeWithItself() throws IOException {
    FileApi fs = api();
    fs.mkdirs(ROOT, "/s/a/b", 0755);
    fs.writeAll(ROOT, "/s/one", new byte[1]);
    fs.writeAll(ROOT, "/s/a/big", new byte[10_000]);
    fs.writeAll(ROOT, "/s/a/b/empty", new byte[0]);
    fs.symlink(ROOT, "one", "/s/link");
    assertThat(fs.summary(ROOT, "/s")).isEqualTo(new FileApi.Summary(4, 3, 4096 + 12288 + 0 + 4096 + 3 * 4096));
    assertThat(fs.summary(ROOT, "/s/a/big")).isEqualTo(new FileApi.Summary(1, 0, 12288));
    fails(Errno.ENOENT, "/nope", () -> fs.summary(ROOT, "/nope"));
  }
}
