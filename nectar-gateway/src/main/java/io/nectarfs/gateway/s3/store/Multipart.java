package io.nectarfs.gateway.s3.store;

import io.nectarfs.common.Ctx;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * S3 multipart uploads. Parts are staged as files inside the volume (a hidden staging directory
 * of the served root), so an upload survives a gateway restart; completing concatenates the parts
 * into a hidden temporary by slice sharing ({@code copyRange}, no data copied) and renames it over
 * the key; abort and completion remove the staging files. The ETag of the result is S3's
 * multipart form {@code hex(md5(md5(part1) .. md5(partN)))-N}.
 *
 * <p>Errors as {@link BucketStore}: {@code NoSuchUpload}, {@code InvalidPart} (a listed part
 * missing or its ETag different), {@code InvalidPartOrder}, {@code EntityTooSmall} (a part but the
 * last under 5 MiB), {@code InvalidArgument} (part number outside 1..10000).
 *
 * <p>Thread-safe; parts of one upload may be uploaded concurrently, the same part number twice
 * (the last one wins).
 */
public interface Multipart {
  record Upload(String bucket, String key, String uploadId, Instant initiated, int ownerUid) {}

  record Part(int number, long size, String etag, Instant modified) {}

  /** A page of parts after {@code marker} (0 for the start). */
  record PartPage(List<Part> parts, boolean truncated, int nextMarker) {}

  /** A page of uploads, in key then initiation order, after (keyMarker, uploadIdMarker). */
  record UploadPage(List<Upload> uploads, List<String> commonPrefixes, boolean truncated, String nextKeyMarker, String nextUploadIdMarker) {}

  String create(Ctx ctx, String bucket, String key, ObjectMeta meta) throws IOException;

  /** @param md5AfterBody called after the body's end: the part's hex MD5 (its ETag) */
  Part uploadPart(Ctx ctx, String bucket, String key, String uploadId, int partNumber, InputStream body, Supplier<String> md5AfterBody) throws IOException;

  /** UploadPartCopy: the range [first, last] (null: whole object) of another object, by slice sharing. */
  Part copyPart(Ctx ctx, String bucket, String key, String uploadId, int partNumber, String srcBucket, String srcKey, long first, long last) throws IOException;

  PartPage parts(Ctx ctx, String bucket, String key, String uploadId, int marker, int maxParts) throws IOException;

  UploadPage uploads(Ctx ctx, String bucket, String prefix, String delimiter, String keyMarker, String uploadIdMarker, int maxUploads) throws IOException;

  /** @param parts (number, etag) in the order the client listed them */
  BucketStore.ObjectInfo complete(Ctx ctx, String bucket, String key, String uploadId, List<Part> parts, BucketStore.PutCondition condition) throws IOException;

  void abort(Ctx ctx, String bucket, String key, String uploadId) throws IOException;
}
