package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Errno;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.Chunks;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.Slice;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The mapping of file data to slices: write, read, truncate, fallocate, copy_file_range, deletion. */
public abstract class DataSuite extends MetaTestBase {
  private static final int CHUNK = Chunks.CHUNK_SIZE;

  private Slice write(long ino, int index, int pos, int len) throws IOException {
    long id = meta.newSliceId();
    Slice s = new Slice(pos, id, len, 0, len);
    meta.write(root, ino, index, s, clock.nowNanos());
    return s;
  }

  @Test
  void sliceIds_areUnique_acrossClients() throws IOException {
    var other = newClient();
    java.util.Set<Long> ids = new java.util.HashSet<>();
    for (int i = 0; i < 5000; i++) {
      assertThat(ids.add(meta.newSliceId())).isTrue();
      assertThat(ids.add(other.newSliceId())).isTrue();
    }
  }

  @Test
  void write_appendsSlices_andExtendsLength() throws IOException {
    long f = file(ROOT, "f");
    Slice a = write(f, 0, 0, 1000);
    Slice b = write(f, 0, 500, 1000);
    Slice c = write(f, 2, 10, 5);
    assertThat(meta.read(root, f, 0)).containsExactly(a, b);
    assertThat(meta.read(root, f, 1)).isEmpty();
    assertThat(meta.read(root, f, 2)).containsExactly(c);
    assertThat(meta.getattr(root, f).length()).isEqualTo(2L * CHUNK + 15);
    write(f, 0, 0, 10);
    assertThat(meta.getattr(root, f).length()).as("a write inside does not shrink").isEqualTo(2L * CHUNK + 15);
    long d = mkdir(ROOT, "d");
    assertErrno(Errno.EISDIR, () -> meta.write(root, d, 0, new Slice(0, 1, 1, 0, 1), 0));
    assertErrno(Errno.ENOENT, () -> meta.write(root, 987654, 0, new Slice(0, 1, 1, 0, 1), 0));
  }

  @Test
  void writeOfSeveralSlices_isOneCommitInListOrder() throws IOException {
    long f = file(ROOT, "f");
    Slice a = new Slice(100, meta.newSliceId(), 50, 0, 50);
    Slice b = new Slice(0, meta.newSliceId(), 120, 0, 120);
    Slice c = new Slice(4096, meta.newSliceId(), 10, 0, 10);
    assertThat(meta.writeSlices(root, f, 1, List.of(a, b, c), clock.nowNanos())).as("slice records in the chunk, length")
        .isEqualTo(new io.nectarfs.meta.Committed(3, CHUNK + 4106L));
    assertThat(meta.read(root, f, 1)).containsExactly(a, b, c);
    assertThat(meta.getattr(root, f).length()).as("the furthest end of the list").isEqualTo(CHUNK + 4106L);
    assertThat(Chunks.resolve(meta.read(root, f, 1)).getFirst()).as("a later slice of the list wins").isEqualTo(new Slice(0, b.id(), 120, 0, 120));
    assertThat(meta.write(root, f, 1, new Slice(0, meta.newSliceId(), 5, 0, 5), clock.nowNanos()))
        .as("a write inside: the length stays").isEqualTo(new io.nectarfs.meta.Committed(4, CHUNK + 4106L));
    assertThat(meta.writeSlices(root, f, 1, List.of(new Slice(7, meta.newSliceId(), 3, 0, 3), new Slice(9, meta.newSliceId(), 3, 0, 3)), clock.nowNanos()))
        .isEqualTo(new io.nectarfs.meta.Committed(6, CHUNK + 4106L));
    assertThat(meta.write(root, f, 2, new Slice(0, meta.newSliceId(), 5, 0, 5), clock.nowNanos())).as("another chunk, further")
        .isEqualTo(new io.nectarfs.meta.Committed(1, 2L * CHUNK + 5));
    long d = mkdir(ROOT, "d");
    assertErrno(Errno.EISDIR, () -> meta.writeSlices(root, d, 0, List.of(new Slice(0, 1, 1, 0, 1)), 0));
    assertErrno(Errno.ENOENT, () -> meta.writeSlices(root, 987654, 0, List.of(new Slice(0, 1, 1, 0, 1)), 0));
  }

  @Test
  void resolve_laterSlicesWin_holesAreZeros() {
    List<Slice> r = Chunks.resolve(List.of(new Slice(0, 1, 100, 0, 100), new Slice(50, 2, 10, 0, 10), new Slice(200, 3, 10, 0, 10)));
    assertThat(r).containsExactly(
        new Slice(0, 1, 100, 0, 50), new Slice(50, 2, 10, 0, 10), new Slice(60, 1, 100, 60, 40),
        Slice.hole(100, 100), new Slice(200, 3, 10, 0, 10));
  }

  @Test
  void truncate_shrinkThenGrow_readsZeros() throws IOException {
    long f = file(ROOT, "f");
    write(f, 0, 0, 4096);
    write(f, 1, 0, 4096);
    meta.setattr(root, f, SetAttr.truncate(100));
    assertThat(meta.getattr(root, f).length()).isEqualTo(100);
    assertThat(meta.read(root, f, 1)).as("chunks past the end are dropped").isEmpty();
    meta.setattr(root, f, SetAttr.truncate(4096));
    List<Slice> visible = Chunks.resolve(meta.read(root, f, 0));
    assertThat(visible).anySatisfy(s -> {
      assertThat(s.id()).isZero();
      assertThat(s.pos()).isEqualTo(100);
    });
    meta.runBackgroundJobs();
    assertThat(deleter.freed()).hasSize(1);
  }

  @Test
  void deletedFile_dataIsFreedInTheBackground() throws IOException {
    long f = file(ROOT, "f");
    Slice a = write(f, 0, 0, 100);
    Slice b = write(f, 3, 0, 100);
    meta.unlink(root, ROOT, "f");
    assertThat(deleter.freed()).as("nothing freed before the background job").isEmpty();
    meta.runBackgroundJobs();
    assertThat(deleter.freed()).containsExactlyInAnyOrder(a.id(), b.id());
  }

  /** Crash-safe deletion with a late listener: a slice freed before one is registered waits in the durable queue. */
  @Test
  void sliceFreedBeforeAListenerIsRegistered_staysQueued_untilOneIs() throws IOException {
    long f = file(ROOT, "f");
    Slice a = write(f, 0, 0, 100);
    meta.unlink(root, ROOT, "f");
    RecordingDeleter late = new RecordingDeleter();
    try (MetaClient bare = MetaClient.open(openEngine(tmp), config())) {
      bare.runBackgroundJobs(); // moves the file's slice to the deletion queue; no listener: it stays there
      bare.onSliceFreed(late);
      bare.runBackgroundJobs();
    }
    assertThat(late.freed()).as("the late listener gets the slice freed before it existed").containsExactly(a.id());
    assertThat(deleter.freed()).isEmpty();
  }

  @Test
  void copyFileRange_sharesSlices_withReferenceCounts() throws IOException {
    long src = file(ROOT, "src");
    Slice a = write(src, 0, 0, 1000);
    long dst = file(ROOT, "dst");
    assertThat(meta.copyFileRange(root, src, 100, dst, 10, 500)).isEqualTo(500);
    assertThat(meta.getattr(root, dst).length()).isEqualTo(510);
    List<Slice> d = meta.read(root, dst, 0);
    assertThat(d).anySatisfy(s -> {
      assertThat(s.id()).isEqualTo(a.id());
      assertThat(s.off()).isEqualTo(100);
      assertThat(s.pos()).isEqualTo(10);
      assertThat(s.len()).isEqualTo(500);
    });
    assertThat(meta.copyFileRange(root, src, 900, dst, 0, 500)).as("short at the end of the source").isEqualTo(100);
    assertThat(meta.copyFileRange(root, src, 5000, dst, 0, 500)).isZero();
    assertErrno(Errno.EINVAL, () -> meta.copyFileRange(root, src, 0, src, 10, 100));
    meta.unlink(root, ROOT, "src");
    meta.runBackgroundJobs();
    assertThat(deleter.freed()).as("the slice is still used by dst").isEmpty();
    meta.unlink(root, ROOT, "dst");
    meta.runBackgroundJobs();
    assertThat(deleter.freed()).containsExactly(a.id());
  }

  @Test
  void clone_sharesEverySlice_untilBothAreGone() throws IOException {
    long src = file(ROOT, "src");
    Slice a = write(src, 0, 0, 100);
    Slice b = write(src, 2, 5, 100);
    long c = meta.clone(alice, src, ROOT, "copy").ino();
    assertThat(meta.getattr(root, c).length()).isEqualTo(meta.getattr(root, src).length());
    assertThat(meta.getattr(root, c).uid()).isEqualTo(alice.uid());
    assertThat(meta.read(root, c, 0)).containsExactly(a);
    assertThat(meta.read(root, c, 2)).containsExactly(b);
    assertErrno(Errno.EEXIST, () -> meta.clone(root, src, ROOT, "copy"));
    long d = mkdir(ROOT, "d");
    assertErrno(Errno.EISDIR, () -> meta.clone(root, d, ROOT, "dircopy"));
    meta.unlink(root, ROOT, "src");
    meta.runBackgroundJobs();
    assertThat(deleter.freed()).isEmpty();
    meta.unlink(root, ROOT, "copy");
    meta.runBackgroundJobs();
    assertThat(deleter.freed()).containsExactlyInAnyOrder(a.id(), b.id());
  }

  @Test
  void copyFileRange_acrossChunkBoundaries_andHoles() throws IOException {
    long src = file(ROOT, "src");
    write(src, 0, CHUNK - 100, 100);
    write(src, 1, 0, 100);
    meta.setattr(root, src, SetAttr.truncate(CHUNK + 1000));
    long dst = file(ROOT, "dst");
    long n = meta.copyFileRange(root, src, CHUNK - 200, dst, 50, 1200);
    assertThat(n).isEqualTo(1000 + 200 - 0);
    assertThat(meta.getattr(root, dst).length()).isEqualTo(50 + n);
    List<Slice> v = Chunks.resolve(meta.read(root, dst, 0));
    assertThat(v.stream().filter(s -> s.id() != 0).mapToInt(Slice::len).sum()).isEqualTo(200);
  }

  @Test
  void fallocate_modes() throws IOException {
    long f = file(ROOT, "f");
    meta.fallocate(root, f, 0, 0, 5000);
    assertThat(meta.getattr(root, f).length()).isEqualTo(5000);
    meta.fallocate(root, f, Meta.FALLOC_KEEP_SIZE, 0, 10000);
    assertThat(meta.getattr(root, f).length()).isEqualTo(5000);
    write(f, 0, 0, 5000);
    meta.fallocate(root, f, Meta.FALLOC_PUNCH_HOLE | Meta.FALLOC_KEEP_SIZE, 1000, 1000);
    assertThat(Chunks.resolve(meta.read(root, f, 0))).anySatisfy(s -> {
      assertThat(s.id()).isZero();
      assertThat(s.pos()).isEqualTo(1000);
      assertThat(s.len()).isEqualTo(1000);
    });
    meta.fallocate(root, f, Meta.FALLOC_ZERO_RANGE, 4000, 4000);
    assertThat(meta.getattr(root, f).length()).isEqualTo(8000);
    assertErrno(Errno.EOPNOTSUPP, () -> meta.fallocate(root, f, Meta.FALLOC_PUNCH_HOLE, 0, 10));
    assertErrno(Errno.EOPNOTSUPP, () -> meta.fallocate(root, f, 0x8, 0, 10));
    assertErrno(Errno.EINVAL, () -> meta.fallocate(root, f, 0, -1, 10));
    assertErrno(Errno.EINVAL, () -> meta.fallocate(root, f, 0, 0, 0));
    long d = mkdir(ROOT, "d");
    assertErrno(Errno.EISDIR, () -> meta.fallocate(root, d, 0, 0, 10));
  }

  @Test
  void punchingWholeChunks_freesTheirSlices() throws IOException {
    long f = file(ROOT, "f");
    Slice a = write(f, 1, 0, 100);
    meta.setattr(root, f, SetAttr.truncate(3L * CHUNK));
    meta.fallocate(root, f, Meta.FALLOC_PUNCH_HOLE | Meta.FALLOC_KEEP_SIZE, CHUNK, CHUNK);
    assertThat(meta.read(root, f, 1)).isEmpty();
    meta.runBackgroundJobs();
    assertThat(deleter.freed()).containsExactly(a.id());
    Attr at = meta.getattr(root, f);
    assertThat(at.length()).isEqualTo(3L * CHUNK);
  }

  @Test
  void statfs_countsSpaceAndInodes() throws IOException {
    long f = file(ROOT, "f");
    write(f, 0, 0, 10_000);
    mkdir(ROOT, "d");
    var s = meta.statfs(root, ROOT);
    assertThat(s.usedInodes()).isEqualTo(2);
    assertThat(s.totalSpace() - s.availSpace()).isEqualTo(12288 + 4096);
  }
}
