package io.nectarfs.gateway.s3.store;

import static io.nectarfs.gateway.s3.store.ObjectsTest.assertS3;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.gateway.s3.S3Error;
import io.nectarfs.gateway.s3.store.BucketStore.ObjectInfo;
import io.nectarfs.gateway.s3.store.BucketStore.PutCondition;
import io.nectarfs.gateway.s3.store.Multipart.Part;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Multipart uploads staged in the volume: complete across a restart, abort, validation, owners, sweep. */
class MultipartTest {
  private static final int MIB = 1 << 20;
  @TempDir Path tmp;
  private StoreFixture f;
  private final Ctx ctx = Ctx.ROOT;

  @BeforeEach
  void setUp() throws Exception {
    f = new StoreFixture(tmp);
    f.store.createBucket(ctx, "bkt");
  }

  @AfterEach
  void tearDown() throws Exception {
    f.close();
  }

  private static byte[] random(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private Part part(Ctx c, String key, String id, int n, byte[] data) throws Exception {
    String md5 = FsMultipart.hex(FsMultipart.md5(data));
    return f.store.multipart().uploadPart(c, "bkt", key, id, n, new ByteArrayInputStream(data), () -> md5);
  }

  @Test
  void completeAfterARestartConcatenatesWithoutCopying() throws Exception {
    Multipart mp = f.store.multipart();
    ObjectMeta meta = new ObjectMeta(null, "video/mp4", null, null, null, null, null, Map.of("m", "1"), Map.of());
    String id = mp.create(ctx, "bkt", "big/file", meta);
    assertThat(id).matches("[A-Za-z0-9_-]{24}");
    byte[] p1 = random(5 * MIB, 1);
    byte[] p2 = random(5 * MIB + 17, 2);
    byte[] p3 = random(1000, 3);
    Part a = part(ctx, "big/file", id, 1, p1);
    part(ctx, "big/file", id, 2, random(10, 9)); // replaced by the next upload of part 2
    Part b = part(ctx, "big/file", id, 2, p2);
    Part c = part(ctx, "big/file", id, 3, p3);
    f.reopen(); // everything is in the volume
    mp = f.store.multipart();
    assertThat(mp.uploads(ctx, "bkt", "", null, null, null, 100).uploads()).extracting(Multipart.Upload::uploadId).containsExactly(id);
    Multipart.PartPage page = mp.parts(ctx, "bkt", "big/file", id, 0, 2);
    assertThat(page.parts()).extracting(Part::number).containsExactly(1, 2);
    assertThat(page.truncated()).isTrue();
    assertThat(mp.parts(ctx, "bkt", "big/file", id, page.nextMarker(), 2).parts()).extracting(Part::etag).containsExactly(c.etag());
    long objects = f.storedObjects();
    ObjectInfo done = mp.complete(ctx, "bkt", "big/file", id, List.of(a, b, c), PutCondition.NONE);
    ByteArrayOutputStream md5s = new ByteArrayOutputStream();
    for (Part p : List.of(a, b, c)) {
      md5s.writeBytes(java.util.HexFormat.of().parseHex(p.etag()));
    }
    assertThat(done.etag()).isEqualTo(FsMultipart.hex(FsMultipart.md5(md5s.toByteArray())) + "-3");
    assertThat(f.storedObjects()).isEqualTo(objects);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.writeBytes(p1);
    all.writeBytes(p2);
    all.writeBytes(p3);
    assertThat(f.get(ctx, "bkt", "big/file")).isEqualTo(all.toByteArray());
    ObjectInfo head = f.store.head(ctx, "bkt", "big/file");
    assertThat(head.etag()).isEqualTo(done.etag());
    assertThat(head.meta().contentType()).isEqualTo("video/mp4");
    assertThat(mp.uploads(ctx, "bkt", "", null, null, null, 100).uploads()).isEmpty();
    String upId = id;
    Multipart m2 = mp;
    assertS3(() -> m2.parts(ctx, "bkt", "big/file", upId, 0, 10), S3Error.NO_SUCH_UPLOAD);
    assertThat(f.store.list(ctx, "bkt", new BucketStore.ListRequest("", null, null, 1000)).objects()).extracting(ObjectInfo::key).containsExactly("big/file");
  }

  @Test
  void completeValidatesTheList() throws Exception {
    Multipart mp = f.store.multipart();
    String id = mp.create(ctx, "bkt", "k", ObjectMeta.EMPTY);
    Part small = part(ctx, "k", id, 1, random(100, 1));
    Part last = part(ctx, "k", id, 2, random(100, 2));
    assertS3(() -> mp.complete(ctx, "bkt", "k", id, List.of(last, small), PutCondition.NONE), S3Error.INVALID_PART_ORDER);
    assertS3(() -> mp.complete(ctx, "bkt", "k", id, List.of(small, new Part(2, 0, "\"00\"", null)), PutCondition.NONE), S3Error.INVALID_PART);
    assertS3(() -> mp.complete(ctx, "bkt", "k", id, List.of(small, new Part(3, 0, last.etag(), null)), PutCondition.NONE), S3Error.INVALID_PART);
    assertS3(() -> mp.complete(ctx, "bkt", "k", id, List.of(small, last), PutCondition.NONE), S3Error.ENTITY_TOO_SMALL);
    assertS3(() -> part(ctx, "k", id, 10_001, new byte[1]), S3Error.INVALID_ARGUMENT);
    assertS3(() -> mp.complete(ctx, "bkt", "other", id, List.of(last), PutCondition.NONE), S3Error.NO_SUCH_UPLOAD);
    assertS3(() -> mp.complete(ctx, "bkt", "k", "../../../etc/passwd00000", List.of(last), PutCondition.NONE), S3Error.NO_SUCH_UPLOAD);
    ObjectInfo one = mp.complete(ctx, "bkt", "k", id, List.of(new Part(1, 0, "\"" + small.etag() + "\"", null)), PutCondition.NONE);
    assertThat(one.size()).isEqualTo(100);
    assertThat(one.etag()).endsWith("-1");
  }

  @Test
  void abortRemovesTheStaging() throws Exception {
    Multipart mp = f.store.multipart();
    String id = mp.create(ctx, "bkt", "gone", ObjectMeta.EMPTY);
    part(ctx, "gone", id, 1, random(1000, 1));
    mp.abort(ctx, "bkt", "gone", id);
    assertS3(() -> mp.abort(ctx, "bkt", "gone", id), S3Error.NO_SUCH_UPLOAD);
    assertThat(f.fs().list(ctx, "/.nectar-s3/uploads")).isEmpty();
    assertS3(() -> f.store.head(ctx, "bkt", "gone"), S3Error.NO_SUCH_KEY);
  }

  @Test
  void onlyTheInitiatorOrRootUsesAnUpload() throws Exception {
    f.fs().chmod(ctx, "/bkt", 0777);
    Ctx alice = Ctx.of(1000, 1000);
    Ctx bob = Ctx.of(1001, 1001);
    Multipart mp = f.store.multipart();
    String id = mp.create(alice, "bkt", "a", ObjectMeta.EMPTY);
    Part p = part(alice, "a", id, 1, random(10, 1));
    assertThat(f.fs().stat(ctx, "/.nectar-s3/uploads/" + id + "/part.1").attr().uid()).isEqualTo(1000);
    assertS3(() -> part(bob, "a", id, 2, random(10, 2)), S3Error.ACCESS_DENIED);
    assertS3(() -> mp.complete(bob, "bkt", "a", id, List.of(p), PutCondition.NONE), S3Error.ACCESS_DENIED);
    assertS3(() -> mp.abort(bob, "bkt", "a", id), S3Error.ACCESS_DENIED);
    assertThat(mp.complete(alice, "bkt", "a", id, List.of(p), PutCondition.NONE).uid()).isEqualTo(1000);
    String id2 = mp.create(alice, "bkt", "b", ObjectMeta.EMPTY);
    mp.abort(ctx, "bkt", "b", id2); // root may
  }

  @Test
  void uploadsAreListedByKeyThenInitiation() throws Exception {
    Multipart mp = f.store.multipart();
    String b1 = mp.create(ctx, "bkt", "b", ObjectMeta.EMPTY);
    f.now.addAndGet(1_000_000);
    String a = mp.create(ctx, "bkt", "a/x", ObjectMeta.EMPTY);
    f.now.addAndGet(1_000_000);
    String b2 = mp.create(ctx, "bkt", "b", ObjectMeta.EMPTY);
    Multipart.UploadPage all = mp.uploads(ctx, "bkt", "", null, null, null, 100);
    assertThat(all.uploads()).extracting(Multipart.Upload::uploadId).containsExactly(a, b1, b2);
    Multipart.UploadPage first = mp.uploads(ctx, "bkt", "", null, null, null, 2);
    assertThat(first.truncated()).isTrue();
    Multipart.UploadPage rest = mp.uploads(ctx, "bkt", "", null, first.nextKeyMarker(), first.nextUploadIdMarker(), 2);
    assertThat(rest.uploads()).extracting(Multipart.Upload::uploadId).containsExactly(b2);
    Multipart.UploadPage grouped = mp.uploads(ctx, "bkt", "", "/", null, null, 100);
    assertThat(grouped.commonPrefixes()).containsExactly("a/");
    assertThat(grouped.uploads()).extracting(Multipart.Upload::uploadId).containsExactly(b1, b2);
  }

  @Test
  void copyPartSharesSlices() throws Exception {
    byte[] data = random(6 * MIB, 5);
    f.put(ctx, "bkt", "src", data);
    Multipart mp = f.store.multipart();
    String id = mp.create(ctx, "bkt", "dst", ObjectMeta.EMPTY);
    long objects = f.storedObjects();
    Part p1 = mp.copyPart(ctx, "bkt", "dst", id, 1, "bkt", "src", 0, 5 * MIB - 1);
    Part p2 = mp.copyPart(ctx, "bkt", "dst", id, 2, "bkt", "src", -1, -1);
    assertThat(p1.size()).isEqualTo(5 * MIB);
    mp.complete(ctx, "bkt", "dst", id, List.of(p1, p2), PutCondition.NONE);
    assertThat(f.storedObjects()).isEqualTo(objects);
    byte[] got = f.get(ctx, "bkt", "dst");
    assertThat(java.util.Arrays.copyOfRange(got, 0, 5 * MIB)).isEqualTo(java.util.Arrays.copyOfRange(data, 0, 5 * MIB));
    assertThat(java.util.Arrays.copyOfRange(got, 5 * MIB, got.length)).isEqualTo(data);
  }

  @Test
  void sweepRemovesWhatCrashedWritersLeft() throws Exception {
    Multipart mp = f.store.multipart();
    String id = mp.create(ctx, "bkt", "stale", ObjectMeta.EMPTY);
    part(ctx, "stale", id, 1, random(10, 1));
    f.put(ctx, "bkt", "d/kept", new byte[] {1});
    f.fs().writeAll(ctx, "/bkt/d/.nectar-s3-tmp.crashed", new byte[] {1});
    assertThat(f.store.sweep(ctx, Duration.ofDays(1), Duration.ofDays(1))).isZero(); // young: a writer may be at work
    f.now.addAndGet(Duration.ofDays(2).toNanos());
    assertThat(f.store.sweep(ctx, Duration.ofDays(1), null)).as("the temporary; the upload is kept, as S3 keeps it").isEqualTo(1);
    assertThat(f.fs().list(ctx, "/bkt/d")).extracting(io.nectarfs.fs.FileApi.Child::name).containsExactly("kept");
    assertThat(mp.parts(ctx, "bkt", "stale", id, 0, 1000).parts()).hasSize(1);
    assertThat(f.store.sweep(ctx, Duration.ofDays(1), Duration.ofDays(1))).as("the upload, when asked").isEqualTo(1);
    assertThat(f.fs().list(ctx, "/.nectar-s3/uploads")).isEmpty();
  }
}
