package io.nectarfs.object.s3;

import io.nectarfs.object.Buffers;
import io.nectarfs.object.CopyCapable;
import io.nectarfs.object.ListPage;
import io.nectarfs.object.MultipartCapable;
import io.nectarfs.object.ObjectInfo;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.TransientStoreException;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateBucketConfiguration;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * An {@link ObjectStore} on one S3 bucket (and optional key prefix), with server-side copy and
 * multipart upload.
 *
 * <p>Concurrency: thread-safe without locks of its own. All callers share one {@link S3Client}
 * whose Apache connection pool (max-connections) bounds the requests in flight; a caller waits up
 * to request-timeout for a free connection. Streams returned by {@link #get} hold a pooled
 * connection until closed.
 *
 * <p>Invariants: every key sent to S3 is {@code prefix + key} and every key received is stripped
 * of {@code prefix}; every exception leaving this class went through {@link S3Errors}, so messages
 * are one line, carry the redacted endpoint only, and transient failures are {@link
 * TransientStoreException}s.
 */
final class S3Store implements ObjectStore, CopyCapable, MultipartCapable {
  private static final long MIN_PART_SIZE = 5L << 20;
  private static final int MAX_KEY_BYTES = 1024;
  /** Bodies up to this size are buffered before the request; see {@link #body}. */
  static final int BUFFERED_BODY = 8 << 20;
  /** U+10FFFF: sorts after every valid key character in UTF-8 byte order. */
  private static final String MAX_CHAR = "\uDBFF\uDFFF";

  private final S3Client s3;
  private final S3Url url;
  private final String bucket;
  private final String prefix;
  private final String region;
  private final S3Errors errors;
  private final AtomicBoolean closed = new AtomicBoolean();

  S3Store(S3Client s3, S3Url url, String region, S3Errors errors) {
    this.s3 = s3;
    this.url = url;
    this.bucket = url.bucket();
    this.prefix = url.prefix();
    this.region = region;
    this.errors = errors;
  }

  @Override
  public String describe() {
    return url.redacted();
  }

  @Override
  public String toString() {
    return "S3Store[" + url.redacted() + "]";
  }

  private String full(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("empty object key");
    }
    if (key.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("object key contains NUL: " + key.replace('\0', '?'));
    }
    if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException("object key longer than " + MAX_KEY_BYTES + " bytes");
    }
    return prefix + key;
  }

  private String strip(String s3Key) {
    return s3Key.substring(prefix.length());
  }

  @Override
  public InputStream get(String key, long off, long len) throws IOException {
    String k = full(key);
    if (off < 0) {
      throw new IllegalArgumentException("negative offset " + off);
    }
    if (len == 0) {
      head(key); // the contract still wants NoSuchFileException for a missing key
      return InputStream.nullInputStream();
    }
    GetObjectRequest.Builder rq = GetObjectRequest.builder().bucket(bucket).key(k);
    if (off > 0 || len > 0) {
      rq.range("bytes=" + off + "-" + (len < 0 ? "" : Long.toString(off + len - 1)));
    }
    ResponseInputStream<GetObjectResponse> in;
    try {
      in = s3.getObject(rq.build());
    } catch (AwsServiceException e) {
      if (e.statusCode() == 416) {
        // InvalidRange: off is at or past the end (or the object is empty).
        return InputStream.nullInputStream();
      }
      throw errors.map("get", key, e);
    } catch (SdkException e) {
      throw errors.map("get", key, e);
    }
    return new GetStream(in, key);
  }

  /** Maps failures while reading the body and aborts (not drains) the connection on early close. */
  private final class GetStream extends FilterInputStream {
    private final ResponseInputStream<GetObjectResponse> response;
    private final String key;
    private boolean eof;

    GetStream(ResponseInputStream<GetObjectResponse> in, String key) {
      super(in);
      this.response = in;
      this.key = key;
    }

    @Override
    public int read() throws IOException {
      try {
        int b = super.read();
        eof |= b < 0;
        return b;
      } catch (IOException | SdkException e) {
        throw failed(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        int n = super.read(b, off, len);
        eof |= n < 0;
        return n;
      } catch (IOException | SdkException e) {
        throw failed(e);
      }
    }

    private IOException failed(Exception e) {
      return e instanceof SdkException se
          ? errors.map("get", key, se)
          : new TransientStoreException("reading '" + key + "' from " + url.redacted() + " failed: " + S3Errors.oneLine(e.toString()), e);
    }

    @Override
    public void close() throws IOException {
      if (!eof) {
        response.abort(); // draining a large unread range would cost more than a new connection
      }
      try {
        super.close();
      } catch (IOException | SdkException e) {
        // the body was abandoned; nothing to report
      }
    }
  }

  @Override
  public void put(String key, InputStream data, long length) throws IOException {
    String k = full(key);
    if (length < 0) {
      throw new IllegalArgumentException("negative length " + length);
    }
    RequestBody body = body(data, length, key);
    try {
      s3.putObject(b -> b.bucket(bucket).key(k).contentLength(length), body);
    } catch (SdkException e) {
      EOFException shortInput = causeOf(e, EOFException.class);
      if (shortInput != null) {
        throw new IOException(shortInput.getMessage(), e);
      }
      throw errors.map("put", key, e);
    }
  }

  /** Sends the array itself as the body (no copy into the request): it is replayed by re-reading it. */
  @Override
  public void put(String key, byte[] data) throws IOException {
    put(key, List.of(ByteBuffer.wrap(data)));
  }

  /**
   * Streams the buffers as the body, without joining them: the SDK reads them through a new stream
   * each time it needs the body (signing, a retried request); they are not kept after the put.
   */
  @Override
  public void put(String key, List<ByteBuffer> parts) throws IOException {
    String k = full(key);
    long length = Buffers.remaining(parts);
    RequestBody body = RequestBody.fromContentProvider(() -> Buffers.stream(parts), length, "application/octet-stream");
    try {
      s3.putObject(b -> b.bucket(bucket).key(k).contentLength(length), body);
    } catch (SdkException e) {
      throw errors.map("put", key, e);
    }
  }

  /**
   * The request body for {@code length} bytes of {@code data}. Bodies up to {@link #BUFFERED_BODY}
   * (a NectarFS block and then some) are read into memory first: a short input then fails before
   * anything is sent, and the body can be signed and replayed. Larger bodies are streamed; a short
   * input aborts the request mid-body. (S3Proxy's filesystem-nio2 store leaves a stray temporary
   * file behind an aborted upload that breaks later listings of that directory.)
   */
  private static RequestBody body(InputStream data, long length, String key) throws IOException {
    InputStream exact = new ExactLengthStream(data, length, key);
    if (length <= BUFFERED_BODY) {
      return RequestBody.fromBytes(exact.readNBytes((int) length));
    }
    return RequestBody.fromInputStream(exact, length);
  }

  /** Refuses to end before {@code length} bytes, so a short input aborts the upload. */
  private static final class ExactLengthStream extends FilterInputStream {
    private final long length;
    private final String key;
    private long read;

    ExactLengthStream(InputStream in, long length, String key) {
      super(in);
      this.length = length;
      this.key = key;
    }

    @Override
    public int read() throws IOException {
      if (read >= length) {
        return -1;
      }
      int b = super.read();
      if (b < 0) {
        throw shortInput();
      }
      read++;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (read >= length) {
        return -1;
      }
      int n = super.read(b, off, (int) Math.min(len, length - read));
      if (n < 0) {
        throw shortInput();
      }
      read += n;
      return n;
    }

    private EOFException shortInput() {
      return new EOFException("input for '" + key + "' ended after " + read + " of " + length + " bytes; nothing was stored");
    }

    @Override
    public void close() {
      // the caller owns the stream
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }

  private static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  @Override
  public void delete(String key) throws IOException {
    String k = full(key);
    try {
      s3.deleteObject(b -> b.bucket(bucket).key(k));
    } catch (AwsServiceException e) {
      if (e.statusCode() == 404 && !isNoSuchBucket(e)) {
        return; // some servers answer 404 for a missing key; deleting it is still a success
      }
      throw errors.map("delete", key, e);
    } catch (SdkException e) {
      throw errors.map("delete", key, e);
    }
  }

  private static boolean isNoSuchBucket(AwsServiceException e) {
    return e.awsErrorDetails() != null && "NoSuchBucket".equals(e.awsErrorDetails().errorCode());
  }

  @Override
  public ObjectInfo head(String key) throws IOException {
    String k = full(key);
    try {
      HeadObjectResponse r = s3.headObject(b -> b.bucket(bucket).key(k));
      return new ObjectInfo(key, r.contentLength() == null ? 0 : r.contentLength(), r.lastModified() == null ? Instant.EPOCH : r.lastModified());
    } catch (SdkException e) {
      throw errors.map("head", key, e);
    }
  }

  @Override
  public ListPage list(String listPrefix, String startAfter, String delimiter, int maxKeys) throws IOException {
    if (maxKeys <= 0) {
      throw new IllegalArgumentException("maxKeys must be positive");
    }
    String p = prefix + (listPrefix == null ? "" : listPrefix);
    String d = delimiter == null ? "" : delimiter;
    String userAfter = startAfter == null || startAfter.isEmpty() ? "" : prefix + startAfter;
    String after = userAfter;
    // Keys below a prefix that was already rolled up must not come back: when startAfter lies
    // inside a common prefix, start after everything in it.
    if (!d.isEmpty() && after.startsWith(p)) {
      int i = after.indexOf(d, p.length());
      if (i >= 0) {
        after = after.substring(0, i + d.length()) + MAX_CHAR;
      }
    }
    List<ObjectInfo> objects = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    while (true) {
      ListObjectsV2Request.Builder rq = ListObjectsV2Request.builder().bucket(bucket).maxKeys(Math.min(maxKeys, 1000));
      if (!p.isEmpty()) {
        rq.prefix(p);
      }
      if (!after.isEmpty()) {
        rq.startAfter(after);
      }
      if (!d.isEmpty()) {
        rq.delimiter(d);
      }
      ListObjectsV2Response r;
      try {
        r = s3.listObjectsV2(rq.build());
      } catch (SdkException e) {
        throw errors.map("list", listPrefix, e);
      }
      String greatest = null; // the greatest key or prefix the server returned
      for (S3Object o : r.contents()) {
        greatest = max(greatest, o.key());
        // Defensive: some servers return entries at or before start-after.
        if (o.key().compareTo(userAfter) > 0 && o.key().startsWith(p)) {
          objects.add(new ObjectInfo(strip(o.key()), o.size() == null ? 0 : o.size(), o.lastModified() == null ? Instant.EPOCH : o.lastModified()));
        }
      }
      for (CommonPrefix c : r.commonPrefixes()) {
        greatest = max(greatest, c.prefix());
        if (c.prefix().compareTo(userAfter) > 0 && !userAfter.startsWith(c.prefix())) {
          prefixes.add(strip(c.prefix()));
        }
      }
      boolean truncated = Boolean.TRUE.equals(r.isTruncated()) && greatest != null;
      if (!truncated || !objects.isEmpty() || !prefixes.isEmpty()) {
        objects.sort((a, b) -> a.key().compareTo(b.key()));
        return new ListPage(objects, prefixes, truncated, greatest == null ? "" : strip(greatest));
      }
      after = greatest; // a page of nothing but filtered-out entries: keep going
    }
  }

  private static String max(String a, String b) {
    return a == null || b.compareTo(a) > 0 ? b : a;
  }

  @Override
  public void copy(String src, String dst) throws IOException {
    String s = full(src);
    String d = full(dst);
    try {
      s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(s).destinationBucket(bucket).destinationKey(d));
    } catch (SdkException e) {
      throw errors.map("copy", src, e);
    }
  }

  @Override
  public long minPartSize() {
    return MIN_PART_SIZE;
  }

  @Override
  public String createMultipart(String key) throws IOException {
    String k = full(key);
    try {
      return s3.createMultipartUpload(b -> b.bucket(bucket).key(k)).uploadId();
    } catch (SdkException e) {
      throw errors.map("create multipart upload of", key, e);
    }
  }

  @Override
  public Part uploadPart(String key, String uploadId, int number, InputStream data, long length) throws IOException {
    String k = full(key);
    if (number < 1 || number > 10_000) {
      throw new IllegalArgumentException("part number must be 1..10000, got " + number);
    }
    if (url.checkUploadId() && !listMultipart(key).contains(uploadId)) {
      // S3Proxy's filesystem and transient stores accept parts for unknown or aborted upload ids
      // (and keep them as stray files); AWS, MinIO and Ceph answer NoSuchUpload. Only endpoints
      // opened with check-upload-id=true pay this LIST per part (docs/decisions.md).
      throw new NoSuchFileException(key, null, "no multipart upload " + uploadId);
    }
    RequestBody body = body(data, length, key);
    try {
      UploadPartResponse r = s3.uploadPart(
          b -> b.bucket(bucket).key(k).uploadId(uploadId).partNumber(number).contentLength(length), body);
      return new Part(number, r.eTag(), length);
    } catch (SdkException e) {
      EOFException shortInput = causeOf(e, EOFException.class);
      if (shortInput != null) {
        throw new IOException(shortInput.getMessage(), e);
      }
      throw errors.map("upload part " + number + " of", key, e);
    }
  }

  @Override
  public void completeMultipart(String key, String uploadId, List<Part> parts) throws IOException {
    String k = full(key);
    for (int i = 0; i < parts.size() - 1; i++) {
      if (parts.get(i).size() < MIN_PART_SIZE) {
        throw new IllegalArgumentException(
            "part " + parts.get(i).number() + " of '" + key + "' has " + parts.get(i).size() + " bytes; all but the last part need at least " + MIN_PART_SIZE);
      }
    }
    List<CompletedPart> completed = parts.stream().map(p -> CompletedPart.builder().partNumber(p.number()).eTag(p.etag()).build()).toList();
    try {
      s3.completeMultipartUpload(b -> b.bucket(bucket).key(k).uploadId(uploadId).multipartUpload(m -> m.parts(completed)));
    } catch (AwsServiceException e) {
      String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
      if ("InvalidPart".equals(code) || "InvalidPartOrder".equals(code) || "EntityTooSmall".equals(code)) {
        throw new IllegalArgumentException("cannot complete the upload of '" + key + "': " + code + " (" + S3Errors.oneLine(String.valueOf(e.awsErrorDetails().errorMessage())) + ")", e);
      }
      throw errors.map("complete multipart upload of", key, e);
    } catch (SdkException e) {
      throw errors.map("complete multipart upload of", key, e);
    }
  }

  @Override
  public void abortMultipart(String key, String uploadId) throws IOException {
    String k = full(key);
    try {
      s3.abortMultipartUpload(b -> b.bucket(bucket).key(k).uploadId(uploadId));
    } catch (AwsServiceException e) {
      if (e.statusCode() == 404 && !isNoSuchBucket(e)) {
        return; // NoSuchUpload: already aborted or completed
      }
      throw errors.map("abort multipart upload of", key, e);
    } catch (SdkException e) {
      throw errors.map("abort multipart upload of", key, e);
    }
  }

  @Override
  public List<String> listMultipart(String key) throws IOException {
    String k = full(key);
    List<String> ids = new ArrayList<>();
    String keyMarker = null;
    String idMarker = null;
    try {
      while (true) {
        String km = keyMarker;
        String im = idMarker;
        ListMultipartUploadsResponse r = s3.listMultipartUploads(b -> b.bucket(bucket).prefix(k).keyMarker(km).uploadIdMarker(im));
        for (MultipartUpload u : r.uploads()) {
          if (u.key().equals(k)) {
            ids.add(u.uploadId());
          }
        }
        if (!Boolean.TRUE.equals(r.isTruncated()) || r.nextKeyMarker() == null) {
          return ids;
        }
        keyMarker = r.nextKeyMarker();
        idMarker = r.nextUploadIdMarker();
      }
    } catch (SdkException e) {
      throw errors.map("list multipart uploads of", key, e);
    }
  }

  /** Creates the bucket unless it exists (the {@code create-bucket=true} option). */
  void createBucketIfMissing() throws IOException {
    try {
      s3.headBucket(b -> b.bucket(bucket));
      return;
    } catch (AwsServiceException e) {
      if (e.statusCode() != 404) {
        throw errors.map("check bucket", null, e);
      }
    } catch (SdkException e) {
      throw errors.map("check bucket", null, e);
    }
    try {
      if (url.endpoint() == null && !region.equals("us-east-1")) {
        s3.createBucket(b -> b.bucket(bucket).createBucketConfiguration(CreateBucketConfiguration.builder().locationConstraint(region).build()));
      } else {
        s3.createBucket(b -> b.bucket(bucket));
      }
    } catch (AwsServiceException e) {
      String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
      if (!"BucketAlreadyOwnedByYou".equals(code)) {
        throw errors.map("create bucket '" + bucket + "'", null, e);
      }
    } catch (SdkException e) {
      throw errors.map("create bucket '" + bucket + "'", null, e);
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      s3.close();
    }
  }
}
