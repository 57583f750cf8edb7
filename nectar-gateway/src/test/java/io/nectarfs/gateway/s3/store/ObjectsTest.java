package io.nectarfs.gateway.s3.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Ctx;
import io.nectarfs.fs.FileApi;
import io.nectarfs.gateway.s3.S3Error;
import io.nectarfs.gateway.s3.S3Exception;
import io.nectarfs.gateway.s3.store.BucketStore.ObjectInfo;
import io.nectarfs.gateway.s3.store.BucketStore.PutCondition;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Buckets and objects over a real volume (SQLite + file://). */
class ObjectsTest {
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

  static void assertS3(ThrowingCallable call, S3Error error) {
    assertThatThrownBy(call).isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.error()).isEqualTo(error));
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  /** Entries of a directory, hidden ones included. */
  private List<String> names(String dir) throws IOException {
    return f.fs().list(ctx, dir).stream().map(FileApi.Child::name).toList();
  }

  @Test
  void bucketsAreTopLevelDirectoriesWithS3Rules() throws Exception {
    f.store.createBucket(ctx, "abc.def-1");
    f.fs().mkdir(ctx, "/Not_A_Bucket", 0755);
    assertThat(f.store.buckets(ctx)).extracting(BucketStore.Bucket::name).containsExactly("abc.def-1", "bkt");
    for (String bad : List.of("ab", "a".repeat(64), "Upper", "a..b", "192.168.1.1", "-ab", "ab-", "xn--ab", "a_b")) {
      assertS3(() -> f.store.createBucket(ctx, bad), S3Error.INVALID_BUCKET_NAME);
    }
    assertS3(() -> f.store.createBucket(ctx, "bkt"), S3Error.BUCKET_ALREADY_OWNED_BY_YOU);
    assertS3(() -> f.store.createBucket(Ctx.of(1000, 1000), "bkt"), S3Error.BUCKET_ALREADY_EXISTS);
    f.put(ctx, "bkt", "k", new byte[] {1});
    assertS3(() -> f.store.deleteBucket(ctx, "bkt"), S3Error.BUCKET_NOT_EMPTY);
    f.store.delete(ctx, "bkt", "k");
    f.store.deleteBucket(ctx, "bkt");
    assertS3(() -> f.store.headBucket(ctx, "bkt"), S3Error.NO_SUCH_BUCKET);
    assertS3(() -> f.store.head(ctx, "bkt", "k"), S3Error.NO_SUCH_BUCKET);
  }

  @Test
  void singleBucketModeServesTheRoot() throws Exception {
    f.fs().mkdir(ctx, "/sub", 0755);
    BucketStore one = BucketStore.over(f.fs(), "/sub", "vol", f.clock);
    one.put(ctx, "vol", "x/y", new ByteArrayInputStream(new byte[] {7}), () -> ObjectMeta.EMPTY.withEtag("e"), PutCondition.NONE);
    assertThat(f.fs().readAll(ctx, "/sub/x/y")).containsExactly(7);
    assertThat(one.buckets(ctx)).extracting(BucketStore.Bucket::name).containsExactly("vol");
    assertS3(() -> one.head(ctx, "other", "x/y"), S3Error.NO_SUCH_BUCKET);
  }

  @Test
  void putWritesAtomicallyAndRecordsMeta() throws Exception {
    byte[] data = random(3 << 20);
    ObjectMeta meta = new ObjectMeta(null, "text/plain", "gzip", "inline", "en", "no-cache", null, Map.of("color", "blue"), Map.of());
    String md5 = FsMultipart.hex(FsMultipart.md5(data));
    ObjectInfo put = f.store.put(ctx, "bkt", "dir/sub/file.bin", new ByteArrayInputStream(data), () -> meta.withEtag(md5), PutCondition.NONE);
    assertThat(put.etag()).isEqualTo(md5);
    ObjectInfo head = f.store.head(ctx, "bkt", "dir/sub/file.bin");
    assertThat(head.etag()).isEqualTo(md5);
    assertThat(head.size()).isEqualTo(data.length);
    assertThat(head.meta().contentType()).isEqualTo("text/plain");
    assertThat(head.meta().userMeta()).containsEntry("color", "blue");
    assertThat(f.get(ctx, "bkt", "dir/sub/file.bin")).isEqualTo(data);
    assertThat(names("/bkt/dir/sub")).containsExactly("file.bin");
  }

  @Test
  void aFailingBodyLeavesNothing() throws Exception {
    f.put(ctx, "bkt", "a/old", new byte[] {1, 2, 3});
    InputStream failing = new InputStream() {
      int n;

      @Override
      public int read() throws IOException {
        if (n++ > (2 << 20)) {
          throw new S3Exception(S3Error.BAD_DIGEST, null, null);
        }
        return 1;
      }
    };
    assertS3(() -> f.store.put(ctx, "bkt", "a/old", failing, () -> ObjectMeta.EMPTY, PutCondition.NONE), S3Error.BAD_DIGEST);
    assertThat(f.get(ctx, "bkt", "a/old")).containsExactly(1, 2, 3);
    assertThat(names("/bkt/a")).containsExactly("old");
    InputStream failing2 = new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("client went away");
      }
    };
    assertThatThrownBy(() -> f.store.put(ctx, "bkt", "new/key", failing2, () -> ObjectMeta.EMPTY, PutCondition.NONE)).hasMessageContaining("went away");
    assertS3(() -> f.store.head(ctx, "bkt", "new/key"), S3Error.NO_SUCH_KEY);
    assertThat(names("/bkt/new")).isEmpty();
    // nothing refers to the failed temporaries' blocks: their slices were freed with the unlink
    // and the volume's background job deletes them (its own tests cover that); no new file remains
    assertThat(f.fs().summary(ctx, "/bkt").files()).isEqualTo(1);
  }

  @Test
  void aFullQuotaFailsThePutAndLeavesNothing() throws Exception {
    f.put(ctx, "bkt", "q/old", new byte[] {1});
    f.fs().setQuota(ctx, "/bkt", 1 << 20, 0);
    byte[] big = random(3 << 20);
    assertThatThrownBy(() -> f.put(ctx, "bkt", "q/old", big)).isInstanceOfSatisfying(io.nectarfs.common.FsException.class,
        e -> assertThat(e.errno()).isIn(io.nectarfs.common.Errno.EDQUOT, io.nectarfs.common.Errno.ENOSPC));
    assertThat(f.get(ctx, "bkt", "q/old")).containsExactly(1);
    assertThat(names("/bkt/q")).containsExactly("old");
  }

  @Test
  void aPutWithoutAnEtagGetsTheDerivedOne() throws Exception {
    ObjectInfo p = f.store.put(ctx, "bkt", "no-md5", new ByteArrayInputStream(new byte[] {1}), () -> ObjectMeta.EMPTY, PutCondition.NONE);
    assertThat(p.etag()).matches("[0-9a-f]{32}-1");
    assertThat(f.store.head(ctx, "bkt", "no-md5").etag()).isEqualTo(p.etag());
  }

  @Test
  void conditionalPuts() throws Exception {
    ObjectInfo first = f.put(ctx, "bkt", "k", new byte[] {1});
    assertS3(() -> f.store.put(ctx, "bkt", "k", InputStream.nullInputStream(), () -> ObjectMeta.EMPTY, new PutCondition(null, "*")), S3Error.PRECONDITION_FAILED);
    assertS3(() -> f.store.put(ctx, "bkt", "k", InputStream.nullInputStream(), () -> ObjectMeta.EMPTY, new PutCondition("\"beef\"", null)), S3Error.PRECONDITION_FAILED);
    assertS3(() -> f.store.put(ctx, "bkt", "missing", InputStream.nullInputStream(), () -> ObjectMeta.EMPTY, new PutCondition("\"beef\"", null)), S3Error.NO_SUCH_KEY);
    f.store.put(ctx, "bkt", "k", new ByteArrayInputStream(new byte[] {2}), () -> ObjectMeta.EMPTY.withEtag("two"), new PutCondition("\"" + first.etag() + "\"", null));
    assertThat(f.get(ctx, "bkt", "k")).containsExactly(2);
    f.store.put(ctx, "bkt", "fresh", new ByteArrayInputStream(new byte[] {3}), () -> ObjectMeta.EMPTY.withEtag("three"), new PutCondition(null, "*"));
    assertThat(f.get(ctx, "bkt", "fresh")).containsExactly(3);
  }

  @Test
  void ifNoneMatchStarLosesToAConcurrentWriterAtTheRename() throws Exception {
    // the writer checks first, then a file appears before the rename: NOREPLACE refuses it
    InputStream body = new InputStream() {
      boolean done;

      @Override
      public int read() throws IOException {
        if (!done) {
          done = true;
          f.fs().writeAll(ctx, "/bkt/race", new byte[] {9});
        }
        return -1;
      }
    };
    assertS3(() -> f.store.put(ctx, "bkt", "race", body, () -> ObjectMeta.EMPTY, new PutCondition(null, "*")), S3Error.PRECONDITION_FAILED);
    assertThat(f.fs().readAll(ctx, "/bkt/race")).containsExactly(9);
    assertThat(names("/bkt")).containsExactly("race");
  }

  @Test
  void keysArePaths() throws Exception {
    for (String bad : List.of("a//b", "/a", "a/./b", "a/../b", "..", "a\0b", ".nectar-s3-tmp.x", "x/.nectar-s3/y")) {
      assertS3(() -> f.put(ctx, "bkt", bad, new byte[0]), S3Error.INVALID_ARGUMENT);
      assertS3(() -> f.store.head(ctx, "bkt", bad), S3Error.NO_SUCH_KEY);
    }
    assertS3(() -> f.put(ctx, "bkt", "a/".repeat(513), new byte[0]), S3Error.KEY_TOO_LONG);
    assertS3(() -> f.put(ctx, "bkt", "x".repeat(256), new byte[0]), S3Error.KEY_TOO_LONG);
    f.put(ctx, "bkt", "x".repeat(255), new byte[] {1});
    f.put(ctx, "bkt", "a/b", new byte[] {1});
    assertS3(() -> f.put(ctx, "bkt", "a", new byte[] {2}), S3Error.PATH_CONFLICT);
    assertS3(() -> f.put(ctx, "bkt", "a/b/c", new byte[] {2}), S3Error.PATH_CONFLICT);
    assertS3(() -> f.store.head(ctx, "bkt", "a"), S3Error.NO_SUCH_KEY);
    assertThat(names("/bkt/a")).containsExactly("b");
  }

  @Test
  void directoryMarkers() throws Exception {
    f.store.put(ctx, "bkt", "d/e/", InputStream.nullInputStream(), () -> ObjectMeta.EMPTY, PutCondition.NONE);
    assertThat(f.fs().stat(ctx, "/bkt/d/e").attr().isDir()).isTrue();
    ObjectInfo m = f.store.head(ctx, "bkt", "d/e/");
    assertThat(m.size()).isZero();
    assertThat(m.etag()).isEqualTo(MetaCodec.EMPTY_MD5);
    try (BucketStore.OpenObject o = f.store.open(ctx, "bkt", "d/e/")) {
      assertThat(o.handle().pread(java.nio.ByteBuffer.allocate(4), 0)).isEqualTo(-1);
    }
    assertS3(() -> f.store.head(ctx, "bkt", "d/"), S3Error.NO_SUCH_KEY); // "d" was made only as the parent of d/e/
    f.fs().mkdir(ctx, "/bkt/mounted", 0755);
    assertThat(f.store.head(ctx, "bkt", "mounted/").size()).as("a directory made on the mount is a marker").isZero();
    assertS3(() -> f.store.put(ctx, "bkt", "z/", new ByteArrayInputStream(new byte[] {1}), () -> ObjectMeta.EMPTY, PutCondition.NONE), S3Error.INVALID_ARGUMENT);
    f.store.delete(ctx, "bkt", "d/"); // not empty: stays
    assertThat(f.fs().stat(ctx, "/bkt/d").attr().isDir()).isTrue();
    f.store.delete(ctx, "bkt", "d/e/");
    assertS3(() -> f.store.head(ctx, "bkt", "d/e/"), S3Error.NO_SUCH_KEY);
    assertS3(() -> f.store.head(ctx, "bkt", "d/"), S3Error.NO_SUCH_KEY); // made for d/e/ only
    // a marker is an explicit directory: deleting the last key under it keeps it
    f.store.put(ctx, "bkt", "m/", InputStream.nullInputStream(), () -> ObjectMeta.EMPTY, PutCondition.NONE);
    f.put(ctx, "bkt", "m/k", new byte[] {1});
    f.store.delete(ctx, "bkt", "m/k");
    assertThat(f.store.head(ctx, "bkt", "m/").size()).isZero();
  }

  @Test
  void deleteRemovesTheParentsAPutMade() throws Exception {
    f.put(ctx, "bkt", "p/q/r/obj", new byte[] {1});
    f.put(ctx, "bkt", "p/keep", new byte[] {1});
    f.store.delete(ctx, "bkt", "p/q/r/obj");
    assertThat(names("/bkt/p")).containsExactly("keep");
    f.store.delete(ctx, "bkt", "p/keep");
    assertThat(names("/bkt")).isEmpty();
    f.store.delete(ctx, "bkt", "never/was"); // S3: deleting nothing succeeds
  }

  @Test
  void etagOfAFileChangedOnTheMountIsDerivedAndStable() throws Exception {
    ObjectInfo put = f.put(ctx, "bkt", "m", new byte[] {1, 2});
    f.fs().writeAll(ctx, "/bkt/m", new byte[] {3, 4, 5});
    ObjectInfo after = f.store.head(ctx, "bkt", "m");
    assertThat(after.etag()).isNotEqualTo(put.etag()).matches("[0-9a-f]{32}-1");
    assertThat(f.store.head(ctx, "bkt", "m").etag()).isEqualTo(after.etag());
    f.fs().writeAll(ctx, "/bkt/mount-only", new byte[] {1});
    assertThat(f.store.head(ctx, "bkt", "mount-only").etag()).matches("[0-9a-f]{32}-1");
  }

  @Test
  void copySharesSlicesAndReplacesMetadata() throws Exception {
    byte[] data = random(5 << 20);
    String md5 = FsMultipart.hex(FsMultipart.md5(data));
    f.store.put(ctx, "bkt", "src", new ByteArrayInputStream(data), () -> ObjectMeta.EMPTY.withEtag(md5), PutCondition.NONE);
    f.store.setTags(ctx, "bkt", "src", Map.of("t", "v"));
    long objects = f.storedObjects();
    ObjectInfo c = f.store.copy(ctx, "bkt", "src", "bkt", "copies/dst", null, PutCondition.NONE);
    assertThat(c.etag()).isEqualTo(md5);
    assertThat(f.storedObjects()).isEqualTo(objects);
    assertThat(f.get(ctx, "bkt", "copies/dst")).isEqualTo(data);
    assertThat(f.store.tags(ctx, "bkt", "copies/dst")).containsEntry("t", "v");
    ObjectMeta replaced = new ObjectMeta(null, "image/png", null, null, null, null, null, Map.of("new", "yes"), Map.of());
    ObjectInfo self = f.store.copy(ctx, "bkt", "src", "bkt", "src", replaced, PutCondition.NONE);
    assertThat(self.etag()).isEqualTo(md5);
    ObjectInfo h = f.store.head(ctx, "bkt", "src");
    assertThat(h.meta().contentType()).isEqualTo("image/png");
    assertThat(h.meta().userMeta()).containsExactly(Map.entry("new", "yes"));
    assertThat(f.get(ctx, "bkt", "src")).isEqualTo(data);
    assertThat(f.storedObjects()).isEqualTo(objects);
    assertS3(() -> f.store.copy(ctx, "bkt", "nope", "bkt", "x", null, PutCondition.NONE), S3Error.NO_SUCH_KEY);
  }

  @Test
  void tagsFollowS3Limits() throws Exception {
    f.put(ctx, "bkt", "t", new byte[] {1});
    assertThat(f.store.tags(ctx, "bkt", "t")).isEmpty();
    f.store.setTags(ctx, "bkt", "t", Map.of("a", "1", "b", "2"));
    assertThat(f.store.tags(ctx, "bkt", "t")).containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "2"));
    java.util.Map<String, String> eleven = new java.util.HashMap<>();
    for (int i = 0; i < 11; i++) {
      eleven.put("k" + i, "v");
    }
    assertS3(() -> f.store.setTags(ctx, "bkt", "t", eleven), S3Error.INVALID_TAG);
    assertS3(() -> f.store.setTags(ctx, "bkt", "t", Map.of("k".repeat(129), "v")), S3Error.INVALID_TAG);
    assertS3(() -> f.store.setTags(ctx, "bkt", "t", Map.of("k", "v".repeat(257))), S3Error.INVALID_TAG);
    f.store.setTags(ctx, "bkt", "t", Map.of());
    assertThat(f.store.tags(ctx, "bkt", "t")).isEmpty();
    assertS3(() -> f.store.tags(ctx, "bkt", "none"), S3Error.NO_SUCH_KEY);
  }

  @Test
  void permissionsApplyAsTheCaller() throws Exception {
    Ctx user = Ctx.of(1000, 1000);
    assertThatThrownBy(() -> f.put(user, "bkt", "u/x", new byte[] {1})).isInstanceOfSatisfying(io.nectarfs.common.FsException.class,
        e -> assertThat(e.errno()).isEqualTo(io.nectarfs.common.Errno.EACCES));
    f.fs().chmod(ctx, "/bkt", 0777);
    f.put(user, "bkt", "u/x", new byte[] {1});
    assertThat(f.fs().stat(ctx, "/bkt/u/x").attr().uid()).isEqualTo(1000);
    assertThat(f.fs().stat(ctx, "/bkt/u").attr().uid()).isEqualTo(1000);
  }
}
