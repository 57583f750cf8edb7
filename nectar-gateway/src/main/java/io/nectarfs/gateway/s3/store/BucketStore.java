package io.nectarfs.gateway.s3.store;

import io.nectarfs.fs.FileHandle;
import io.nectarfs.gateway.s3.S3Exception;
import io.nectarfs.common.Ctx;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * S3's buckets and objects over a volume's file API: a bucket is a top-level directory of the
 * served root (or, in single-bucket mode, the root itself under one fixed name); a key with '/' is
 * a path; "key/" is a directory marker. Every call acts as the caller's {@link Ctx}, so the
 * volume's permissions apply.
 *
 * <p>Contract for errors: S3-level outcomes are {@link S3Exception}s with their S3 code ({@code
 * NoSuchBucket}, {@code NoSuchKey}, {@code BucketNotEmpty}, {@code BucketAlreadyOwnedByYou},
 * {@code InvalidBucketName}, {@code KeyTooLongError}, {@code PreconditionFailed}, {@code
 * NoSuchUpload}, {@code InvalidPart}, {@code InvalidPartOrder}, {@code EntityTooSmall}); any other
 * failure is the volume's {@code FsException} (EACCES, ENOSPC, EDQUOT, ...), which the HTTP layer
 * maps once.
 *
 * <p>Visibility: a PUT writes a hidden temporary file next to the target and renames it over the
 * target only after the body verified, so readers (S3 or the mount) see the old object or the whole
 * new one; hidden temporaries and the multipart staging area never appear in listings or as
 * buckets. Files written on the mount are objects at once (their ETag is derived when no S3 ETag
 * was recorded, and a recorded one is ignored once the file changed after it was recorded).
 *
 * <p>Thread-safe.
 */
public interface BucketStore {
  record Bucket(String name, Instant created) {}

  /** An object (or a directory marker, {@code key} ending in '/'). */
  record ObjectInfo(String key, long size, Instant modified, String etag, ObjectMeta meta, int uid, int gid, int mode) {}

  /** Preconditions of a write (the request's If-Match / If-None-Match on PUT or complete). */
  record PutCondition(String ifMatch, String ifNoneMatch) {
    public static final PutCondition NONE = new PutCondition(null, null);
  }

  /** An open object: its info and a handle positioned nowhere (use pread); the caller closes it. */
  record OpenObject(ObjectInfo info, FileHandle handle) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      handle.close();
    }
  }

  /**
   * A listing request, V1 or V2 alike.
   *
   * @param prefix "" for none
   * @param delimiter null for none ("/" is the case served from directories; any other delimiter
   *     is honoured by walking)
   * @param after list keys strictly after this one (V1 marker, V2 start-after or the key a
   *     continuation token stands for); null for none
   * @param maxKeys 0..1000
   */
  record ListRequest(String prefix, String delimiter, String after, int maxKeys) {}

  /**
   * One page, in S3's key order (UTF-8 byte order of the whole key), objects and common prefixes
   * merged in that order before the cut at maxKeys.
   *
   * @param next when truncated: the last key or prefix returned (a V1 NextMarker, or what a V2
   *     continuation token encodes)
   */
  record ListResult(List<ObjectInfo> objects, List<String> commonPrefixes, boolean truncated, String next) {}

  List<Bucket> buckets(Ctx ctx) throws IOException;

  Bucket headBucket(Ctx ctx, String bucket) throws IOException;

  void createBucket(Ctx ctx, String bucket) throws IOException;

  void deleteBucket(Ctx ctx, String bucket) throws IOException;

  ObjectInfo head(Ctx ctx, String bucket, String key) throws IOException;

  OpenObject open(Ctx ctx, String bucket, String key) throws IOException;

  /**
   * Writes an object atomically (temporary file, then rename).
   *
   * @param body read to its end; if it throws, nothing becomes visible and the temporary is removed
   * @param metaAfterBody called once after the body's end was read and before the rename: the
   *     metadata to record (the ETag and checksums are known only then)
   */
  ObjectInfo put(Ctx ctx, String bucket, String key, InputStream body, Supplier<ObjectMeta> metaAfterBody, PutCondition condition) throws IOException;

  /** Removes an object or an empty directory marker; a missing key is not an error (S3). Empty parent directories that only the key created are removed. */
  void delete(Ctx ctx, String bucket, String key) throws IOException;

  /**
   * Copies by sharing slices (no data is copied), then records {@code newMeta} (null: the
   * source's metadata).
   */
  ObjectInfo copy(Ctx ctx, String srcBucket, String srcKey, String dstBucket, String dstKey, ObjectMeta newMeta, PutCondition condition) throws IOException;

  Map<String, String> tags(Ctx ctx, String bucket, String key) throws IOException;

  void setTags(Ctx ctx, String bucket, String key, Map<String, String> tags) throws IOException;

  ListResult list(Ctx ctx, String bucket, ListRequest request) throws IOException;

  Multipart multipart();

  /**
   * Removes what crashed writers left behind: hidden temporaries of PUT, copy, upload-part and
   * complete not changed for {@code tempAge} (a day is safe: a live writer rewrites its temporary
   * continuously), and, only when {@code uploadAge} is not null, multipart uploads with no part
   * added for that long (S3 itself keeps an incomplete upload until it is aborted, so by default
   * they are kept and only listed by ListMultipartUploads). Walks the whole tree under the root
   * (staging of gateways served from subdirectories included), so it belongs to maintenance, not
   * to requests: {@code nectar gc --gateway-leftovers} calls it. Returns the number of entries
   * removed.
   */
  long sweep(Ctx ctx, java.time.Duration tempAge, java.time.Duration uploadAge) throws IOException;

  /**
   * The store over {@code fs}.
   *
   * @param root the served directory ("/" or a subdirectory path)
   * @param singleBucket null: buckets are the root's top-level directories; else the root is this
   *     one bucket
   * @param clock for sweep ages and bucket creation dates
   */
  static BucketStore over(io.nectarfs.fs.FileApi fs, String root, String singleBucket, io.nectarfs.common.Clock clock) {
    return new FsBucketStore(fs, root, singleBucket, clock);
  }
}
