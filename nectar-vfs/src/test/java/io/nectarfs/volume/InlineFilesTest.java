package io.nectarfs.volume;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.Slice;
import io.nectarfs.object.ObjectInfo;
import io.nectarfs.testkit.StoreStacks;
import io.nectarfs.vfs.Vfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Small files inline in the metadata, through a whole volume on SQLite + file:// storage: no
 * objects, the data in the metadata in the form the object store stack gives it (an encrypted
 * volume's SQLite files never hold the plaintext), and files that grow, shrink, are overwritten or
 * shared read what was written.
 */
class InlineFilesTest {
  private static final int O_RDWR = 2;
  private static final int LIMIT = 16 << 10;
  private static final String MARKER = "plaintext-marker-7f3a9c";
  @TempDir Path tmp;
  private final Ctx ctx = Ctx.ROOT;
  private String metaUrl;
  private Secrets secrets;

  /** "plain", "lz4" or "encrypted". */
  private void format(String kind) throws IOException {
    metaUrl = "sqlite3://" + tmp.resolve("meta.db");
    secrets = StoreStacks.secrets();
    Format.Builder b = Format.builder("vol", "file://" + tmp.resolve("store")).blockSize(64 << 10).createdMillis(System.currentTimeMillis()).inlineSize(LIMIT);
    if (kind.equals("lz4")) {
      b.compression("lz4");
    }
    if (kind.equals("encrypted")) {
      b.encryption(Files.readString(StoreStacks.key(tmp.resolve("key"))), "aes256gcm");
    }
    Volumes.format(metaUrl, b.build(), FormatRequest.defaults().withSecrets(secrets));
  }

  private Volume open() throws IOException {
    return Volume.open(metaUrl, VolumeOptions.defaults().withSecrets(secrets).withCache(CacheOptions.memoryOnly(16L << 20)).withClientName("inline-test"));
  }

  private static byte[] text(int len) {
    byte[] b = new byte[len];
    byte[] m = MARKER.getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < len; i++) {
      b[i] = i % 97 < m.length ? m[i % 97] : (byte) ('a' + i % 23);
    }
    return b;
  }

  private static long write(Vfs vfs, Ctx ctx, String name, long off, byte[] data) throws IOException {
    long ino;
    long fh;
    try {
      ino = vfs.lookup(ctx, Meta.ROOT, name).ino();
      fh = vfs.open(ctx, ino, O_RDWR);
    } catch (io.nectarfs.common.FsException e) {
      Vfs.Opened o = vfs.create(ctx, Meta.ROOT, name, 0644, 0, O_RDWR);
      ino = o.entry().ino();
      fh = o.fh();
    }
    vfs.write(ctx, ino, fh, off, ByteBuffer.wrap(data));
    vfs.flush(ctx, ino, fh, 0);
    vfs.release(ctx, ino, fh);
    return ino;
  }

  private static byte[] read(Vfs vfs, Ctx ctx, String name) throws IOException {
    long ino = vfs.lookup(ctx, Meta.ROOT, name).ino();
    long fh = vfs.open(ctx, ino, 0);
    byte[] out = new byte[1 << 20];
    int at = 0;
    while (true) {
      int n = vfs.read(ctx, ino, fh, at, ByteBuffer.wrap(out, at, out.length - at));
      if (n <= 0) {
        break;
      }
      at += n;
    }
    vfs.release(ctx, ino, fh);
    return Arrays.copyOf(out, at);
  }

  private static int dataObjects(Volume v) throws IOException {
    int n = 0;
    for (ObjectInfo i : v.storage().listAll("")) {
      n += i.key().contains("chunks/") ? 1 : 0;
    }
    return n;
  }

  private static boolean contains(Path file, byte[] what) throws IOException {
    if (!Files.exists(file)) {
      return false;
    }
    byte[] all = Files.readAllBytes(file);
    outer:
    for (int i = 0; i + what.length <= all.length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (all[i + j] != what[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain", "lz4", "encrypted"})
  void smallFiles_liveInTheMetadata_inTheStoredForm_andSurviveReopen(String kind) throws Exception {
    format(kind);
    byte[] small = text(4096);
    try (Volume v = open()) {
      write(v.vfs(), ctx, "a", 0, small);
      write(v.vfs(), ctx, "b", 0, text(LIMIT));
      assertThat(dataObjects(v)).as("no objects for files up to the inline size").isZero();
      long ino = v.vfs().lookup(ctx, Meta.ROOT, "a").ino();
      assertThat(v.meta().read(ctx, ino, 0)).singleElement().satisfies(s -> assertThat(s.inline()).isTrue());
      assertThat(read(v.vfs(), ctx, "a")).isEqualTo(small);
    }
    byte[] marker = MARKER.getBytes(StandardCharsets.US_ASCII);
    boolean inDb = contains(tmp.resolve("meta.db"), marker) || contains(tmp.resolve("meta.db-wal"), marker);
    if (kind.equals("plain")) {
      assertThat(inDb).as("the check can see plaintext where there is some").isTrue();
    } else if (kind.equals("encrypted")) {
      assertThat(inDb).as("plaintext of an encrypted volume in the metadata database").isFalse();
    }
    try (Volume v = open()) {
      assertThat(read(v.vfs(), ctx, "a")).isEqualTo(small);
      assertThat(read(v.vfs(), ctx, "b")).isEqualTo(text(LIMIT));
      assertThat(v.meta().check()).isEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain", "encrypted"})
  void growOverwriteTruncateAndShare_readWhatWasWritten(String kind) throws Exception {
    format(kind);
    try (Volume v = open()) {
      Vfs vfs = v.vfs();
      byte[] expect = text(3000);
      long ino = write(vfs, ctx, "f", 0, expect.clone());
      // Overwrite in the middle: a second inline slice over the first.
      byte[] mid = "MIDDLE".getBytes(StandardCharsets.US_ASCII);
      write(vfs, ctx, "f", 1000, mid);
      System.arraycopy(mid, 0, expect, 1000, mid.length);
      assertThat(read(vfs, ctx, "f")).isEqualTo(expect);
      // Grow past the limit: the new slice goes to the object store, the inline ones stay.
      byte[] tail = text(LIMIT + 5000);
      write(vfs, ctx, "f", 3000, tail);
      byte[] grown = new byte[3000 + tail.length];
      System.arraycopy(expect, 0, grown, 0, 3000);
      System.arraycopy(tail, 0, grown, 3000, tail.length);
      assertThat(read(vfs, ctx, "f")).isEqualTo(grown);
      assertThat(dataObjects(v)).as("the slice beyond the limit").isPositive();
      assertThat(v.meta().read(ctx, ino, 0)).filteredOn(Slice::inline).hasSize(2);
      // Share: copy_file_range keeps the inline slices referenced by both files.
      long copy = write(vfs, ctx, "copy", 0, new byte[0]);
      long fin = vfs.open(ctx, ino, 0);
      long fout = vfs.open(ctx, copy, O_RDWR);
      assertThat(vfs.copyFileRange(ctx, ino, fin, 0, copy, fout, 0, 2000, 0)).isEqualTo(2000);
      vfs.release(ctx, ino, fin);
      vfs.release(ctx, copy, fout);
      // Truncate the original below the copy's range, then unlink it: the copy still reads.
      vfs.setattr(ctx, ino, 0, SetAttr.truncate(10));
      assertThat(read(vfs, ctx, "f")).isEqualTo(Arrays.copyOf(grown, 10));
      vfs.unlink(ctx, Meta.ROOT, "f");
      v.meta().runBackgroundJobs();
      assertThat(read(vfs, ctx, "copy")).isEqualTo(Arrays.copyOf(grown, 2000));
      assertThat(v.meta().check()).isEmpty();
      vfs.unlink(ctx, Meta.ROOT, "copy");
      v.meta().runBackgroundJobs();
      assertThat(v.meta().check()).isEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain"})
  void aVolumeWithoutInlining_keepsStoringObjects(String kind) throws Exception {
    metaUrl = "sqlite3://" + tmp.resolve("meta.db");
    secrets = StoreStacks.secrets();
    Volumes.format(metaUrl, Format.builder("vol", "file://" + tmp.resolve("store")).blockSize(64 << 10).build(),
        FormatRequest.defaults().withSecrets(secrets));
    try (Volume v = open()) {
      write(v.vfs(), ctx, "a", 0, text(100));
      assertThat(dataObjects(v)).isEqualTo(1);
      assertThat(v.format().metaVersion()).as("clients without inlining still open it").isEqualTo(Format.META_VERSION_PLAIN);
    }
    try (MetaClient m = Volume.openMeta(metaUrl, VolumeOptions.defaults().withSecrets(secrets).withReadOnly(true).withBackgroundJobs(false))) {
      assertThat(m.check()).isEmpty();
    }
  }
}
