package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Errno;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.Slice;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Inline slices ({@link Slice#INLINE}): the stored bytes of a small file's slice committed with
 * its record, shared by copies, deleted with the last reference (never queued for object
 * deletion), checked by fsck and carried by dump and load.
 */
public abstract class InlineSuite extends MetaTestBase {
  protected static final int LIMIT = 4096;

  @Override
  protected Format newFormat() {
    return super.newFormat().withInlineSize(LIMIT);
  }

  private Slice writeInline(long ino, int pos, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    Slice s = new Slice(pos, meta.newSliceId() | Slice.INLINE, b.length, 0, b.length);
    int before = meta.read(root, ino, 0).size();
    io.nectarfs.meta.Committed done = meta.writeInline(root, ino, 0, s, b, clock.nowNanos());
    assertThat(done.slices()).as("the chunk's slice records after it").isEqualTo(before + 1);
    assertThat(done.length()).as("the file's length after it").isEqualTo(meta.getattr(root, ino).length());
    return s;
  }

  private String inline(long id) throws IOException {
    return new String(meta.readInline(root, id), StandardCharsets.UTF_8);
  }

  @Test
  void smallFile_roundTrip_inOneCommit() throws IOException {
    long f = file(ROOT, "small");
    Slice s = writeInline(f, 0, "hello inline");
    assertThat(meta.getattr(root, f).length()).isEqualTo(12);
    assertThat(meta.read(root, f, 0)).containsExactly(s);
    assertThat(inline(s.id())).isEqualTo("hello inline");
    assertThat(meta.referencedSlices()).as("inline slices have no objects for gc to keep").doesNotContainKey(s.id());
  }

  @Test
  void writeThatWouldMakeTheFileLongerThanTheLimit_isRefused_withoutChange() throws IOException {
    long f = file(ROOT, "big");
    meta.setattr(root, f, SetAttr.truncate(LIMIT + 1));
    byte[] b = new byte[10];
    Slice s = new Slice(0, meta.newSliceId() | Slice.INLINE, 10, 0, 10);
    assertThat(meta.writeInline(root, f, 0, s, b, clock.nowNanos())).as("not inlined").isEqualTo(io.nectarfs.meta.Committed.NOT_INLINED);
    assertThat(meta.read(root, f, 0)).isEmpty();
    assertErrno(Errno.EIO, () -> meta.readInline(root, s.id()));
    long g = file(ROOT, "g");
    Slice tooBig = new Slice(0, meta.newSliceId() | Slice.INLINE, LIMIT + 1, 0, LIMIT + 1);
    assertErrno(Errno.EINVAL, () -> meta.writeInline(root, g, 0, tooBig, new byte[LIMIT + 1], clock.nowNanos()));
  }

  @Test
  void overwriteInTheMiddle_thenTruncate_freesTheDataInTheSameTransaction() throws IOException {
    long f = file(ROOT, "f");
    Slice a = writeInline(f, 0, "aaaaaaaaaa");
    Slice b = writeInline(f, 3, "bb");
    assertThat(meta.read(root, f, 0)).containsExactly(a, b);
    meta.setattr(root, f, SetAttr.truncate(0));
    assertErrno(Errno.EIO, () -> meta.readInline(root, a.id()));
    assertErrno(Errno.EIO, () -> meta.readInline(root, b.id()));
    meta.runBackgroundJobs();
    assertThat(deleter.freed()).as("no objects to delete").isEmpty();
  }

  @Test
  void fileGrowingPastTheLimit_keepsItsInlineSlices() throws IOException {
    long f = file(ROOT, "grows");
    Slice a = writeInline(f, 0, "head");
    Slice big = new Slice(0, meta.newSliceId(), 10_000, 0, 10_000);
    meta.write(root, f, 0, new Slice(4, big.id(), 10_000, 0, 10_000), clock.nowNanos());
    assertThat(meta.getattr(root, f).length()).isEqualTo(10_004);
    assertThat(inline(a.id())).isEqualTo("head");
  }

  @Test
  void copyFileRange_sharesTheInlineSlice_untilTheLastCopyGoes() throws IOException {
    long src = file(ROOT, "src");
    Slice a = writeInline(src, 0, "shared bytes");
    long dst = file(ROOT, "dst");
    assertThat(meta.copyFileRange(root, src, 0, dst, 0, 12)).isEqualTo(12);
    long cl = meta.clone(root, src, ROOT, "clone").ino();
    assertThat(meta.read(root, cl, 0)).containsExactly(a);
    meta.unlink(root, ROOT, "src");
    meta.unlink(root, ROOT, "clone");
    meta.runBackgroundJobs();
    assertThat(inline(a.id())).as("still used by dst").isEqualTo("shared bytes");
    assertThat(meta.check()).isEmpty();
    meta.unlink(root, ROOT, "dst");
    meta.runBackgroundJobs();
    assertErrno(Errno.EIO, () -> meta.readInline(root, a.id()));
    assertThat(deleter.freed()).as("no objects to delete").isEmpty();
  }

  @Test
  void check_findsInlineSlicesWithoutData_andRepairDropsUnusedData() throws IOException {
    long f = file(ROOT, "f");
    Slice a = writeInline(f, 0, "x");
    byte[] key = new byte[9];
    key[0] = 'N';
    io.nectarfs.meta.kv.Bytes.putU64(key, 1, a.id());
    byte[] orphan = key.clone();
    io.nectarfs.meta.kv.Bytes.putU64(orphan, 1, (a.id() + 1000) | Slice.INLINE);
    byte[] saved = engine.txn(tx -> {
      byte[] v = tx.get(key);
      tx.delete(key);
      tx.put(orphan, v);
      return v;
    });
    assertThat(meta.check()).anySatisfy(p -> assertThat(p).contains("has no data"))
        .anySatisfy(p -> assertThat(p).contains("which no chunk uses"));
    new MetaAdmin(meta).repair(x -> {});
    assertThat(meta.check()).as("the orphan is dropped; the missing data cannot be made up").hasSize(1);
    engine.txn(tx -> {
      tx.put(key, saved);
      return null;
    });
    assertThat(meta.check()).isEmpty();
  }

  @Test
  void dumpAndLoad_carryTheInlineBytes() throws IOException {
    long f = file(ROOT, "f");
    Slice a = writeInline(f, 0, "dumped \u0000 bytes");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new MetaAdmin(meta).dump(out, true, x -> {});
    meta.close();
    engine.reset();
    MetaAdmin.load(engine, new ByteArrayInputStream(out.toByteArray()), x -> {});
    MetaClient copy = newClient();
    assertThat(copy.read(root, f, 0)).containsExactly(a);
    assertThat(new String(copy.readInline(root, a.id()), StandardCharsets.UTF_8)).isEqualTo("dumped \u0000 bytes");
    assertThat(copy.check()).isEmpty();
    assertThat(copy.format().inlineSize()).isEqualTo(LIMIT);
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    new MetaAdmin(copy).dump(again, true, x -> {});
    assertThat(MetaAdmin.normalizeDump(again.toString(StandardCharsets.UTF_8))).isEqualTo(MetaAdmin.normalizeDump(out.toString(StandardCharsets.UTF_8)));
  }

  @Test
  void aClientWithoutTheFeature_refusesTheVolume() throws IOException {
    MetaClient.updateFormat(engine, fm -> fm.toBuilder().requires(List.of(Format.FEATURE_INLINE, "from-the-future")).build());
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> MetaClient.open(openEngine(tmp), config())))
        .isInstanceOf(IOException.class).hasMessageContaining("from-the-future").hasMessageContaining("upgrade nectar");
    MetaClient.updateFormat(engine, fm -> fm.toBuilder().requires(List.of(Format.FEATURE_INLINE)).build());
  }
}
