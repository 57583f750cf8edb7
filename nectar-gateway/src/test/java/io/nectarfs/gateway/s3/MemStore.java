package io.nectarfs.gateway.s3;

import io.nectarfs.common.Ctx;
import io.nectarfs.fs.FileHandle;
import io.nectarfs.gateway.s3.store.BucketStore;
import io.nectarfs.gateway.s3.store.Multipart;
import io.nectarfs.gateway.s3.store.ObjectMeta;
import io.nectarfs.meta.Attr;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A test stand-in for the volume-backed store: buckets and objects in memory, S3's key order,
 * prefix/delimiter listing, tags and a simple multipart. Enough for the HTTP layer's tests; not a
 * model of the real store's permissions. Thread-safe by one lock.
 */
final class MemStore implements BucketStore, Multipart {
  static final Comparator<String> UTF8 = (a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  record Obj(byte[] data, ObjectInfo info, Map<String, String> tags) {}

  private final Map<String, TreeMap<String, Obj>> buckets = new TreeMap<>();
  private final Map<String, Instant> created = new TreeMap<>();
  private final Map<String, TreeMap<Integer, byte[]>> uploads = new TreeMap<>();
  private final Map<String, Upload> uploadInfo = new TreeMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  /** Bytes read by PUTs that failed (to check that a broken upload leaves nothing). */
  final AtomicInteger failedPuts = new AtomicInteger();
  /** When set, head and put throw it (tests of the error mapping). */
  volatile Exception failWith;
  /** How long a complete takes (tests of slow operations). */
  volatile long completeDelayMillis;

  private synchronized TreeMap<String, Obj> bucket(String b) throws S3Exception {
    TreeMap<String, Obj> m = buckets.get(b);
    if (m == null) {
      throw S3Error.NO_SUCH_BUCKET.exception();
    }
    return m;
  }

  @Override
  public synchronized List<Bucket> buckets(Ctx ctx) {
    return created.entrySet().stream().map(e -> new Bucket(e.getKey(), e.getValue())).toList();
  }

  @Override
  public synchronized Bucket headBucket(Ctx ctx, String bucket) throws IOException {
    bucket(bucket);
    return new Bucket(bucket, created.get(bucket));
  }

  @Override
  public synchronized void createBucket(Ctx ctx, String bucket) throws IOException {
    if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw S3Error.INVALID_BUCKET_NAME.exception();
    }
    if (buckets.containsKey(bucket)) {
      throw S3Error.BUCKET_ALREADY_OWNED_BY_YOU.exception();
    }
    buckets.put(bucket, new TreeMap<>(UTF8));
    created.put(bucket, Instant.now());
  }

  @Override
  public synchronized void deleteBucket(Ctx ctx, String bucket) throws IOException {
    if (!bucket(bucket).isEmpty()) {
      throw S3Error.BUCKET_NOT_EMPTY.exception();
    }
    buckets.remove(bucket);
    created.remove(bucket);
  }

  @Override
  public synchronized ObjectInfo head(Ctx ctx, String bucket, String key) throws IOException {
    fail();
    Obj o = bucket(bucket).get(key);
    if (o == null) {
      throw S3Error.NO_SUCH_KEY.exception();
    }
    return o.info;
  }

  @Override
  public synchronized OpenObject open(Ctx ctx, String bucket, String key) throws IOException {
    Obj o = bucket(bucket).get(key);
    if (o == null) {
      throw S3Error.NO_SUCH_KEY.exception();
    }
    return new OpenObject(o.info, new BytesHandle(key, o.data));
  }

  @Override
  public ObjectInfo put(Ctx ctx, String bucket, String key, InputStream body, Supplier<ObjectMeta> metaAfterBody, PutCondition condition) throws IOException {
    bucket(bucket);
    fail();
    byte[] data;
    try {
      data = body.readAllBytes();
    } catch (IOException e) {
      failedPuts.incrementAndGet();
      throw e;
    }
    ObjectMeta meta = metaAfterBody.get();
    synchronized (this) {
      checkCondition(bucket(bucket).get(key), condition);
      return store(bucket, key, data, meta);
    }
  }

  private void fail() throws IOException {
    Exception e = failWith;
    if (e instanceof IOException io) {
      throw io;
    }
    if (e instanceof RuntimeException r) {
      throw r;
    }
  }

  private static void checkCondition(Obj old, PutCondition c) throws S3Exception {
    if (c.ifNoneMatch() != null && old != null) {
      throw S3Error.PRECONDITION_FAILED.exception();
    }
    if (c.ifMatch() != null && (old == null || !Http.matches(c.ifMatch(), old.info.etag()))) {
      throw old == null ? S3Error.NO_SUCH_KEY.exception() : S3Error.PRECONDITION_FAILED.exception();
    }
  }

  private synchronized ObjectInfo store(String bucket, String key, byte[] data, ObjectMeta meta) throws S3Exception {
    String etag = meta.etag() != null ? meta.etag() : md5(data);
    ObjectInfo info = new ObjectInfo(key, data.length, Instant.now(), etag, meta.withEtag(etag), 0, 0, 0644);
    bucket(bucket).put(key, new Obj(data, info, Map.of()));
    return info;
  }

  static String md5(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized void delete(Ctx ctx, String bucket, String key) throws IOException {
    bucket(bucket).remove(key);
  }

  @Override
  public synchronized ObjectInfo copy(Ctx ctx, String srcBucket, String srcKey, String dstBucket, String dstKey, ObjectMeta newMeta, PutCondition condition) throws IOException {
    Obj src = bucket(srcBucket).get(srcKey);
    if (src == null) {
      throw S3Error.NO_SUCH_KEY.exception();
    }
    checkCondition(bucket(dstBucket).get(dstKey), condition);
    return store(dstBucket, dstKey, src.data, newMeta == null ? src.info.meta() : newMeta.withEtag(src.info.etag()));
  }

  @Override
  public synchronized Map<String, String> tags(Ctx ctx, String bucket, String key) throws IOException {
    Obj o = bucket(bucket).get(key);
    if (o == null) {
      throw S3Error.NO_SUCH_KEY.exception();
    }
    return o.tags;
  }

  @Override
  public synchronized void setTags(Ctx ctx, String bucket, String key, Map<String, String> tags) throws IOException {
    Obj o = bucket(bucket).get(key);
    if (o == null) {
      throw S3Error.NO_SUCH_KEY.exception();
    }
    bucket(bucket).put(key, new Obj(o.data, o.info, Map.copyOf(tags)));
  }

  @Override
  public synchronized ListResult list(Ctx ctx, String bucket, ListRequest r) throws IOException {
    TreeMap<String, Obj> m = bucket(bucket);
    List<ObjectInfo> objects = new ArrayList<>();
    TreeSet<String> prefixes = new TreeSet<>(UTF8);
    String last = null;
    int n = 0;
    for (Map.Entry<String, Obj> e : (r.after() == null ? m : m.tailMap(r.after(), false)).entrySet()) {
      String k = e.getKey();
      if (!k.startsWith(r.prefix())) {
        continue;
      }
      String cp = null;
      if (r.delimiter() != null) {
        int d = k.indexOf(r.delimiter(), r.prefix().length());
        if (d >= 0) {
          cp = k.substring(0, d + r.delimiter().length());
        }
      }
      if (cp != null && (prefixes.contains(cp) || r.after() != null && UTF8.compare(cp, r.after()) <= 0)) {
        continue;
      }
      if (n == r.maxKeys()) {
        return new ListResult(objects, List.copyOf(prefixes), true, last);
      }
      if (cp != null) {
        prefixes.add(cp);
        last = cp;
      } else {
        objects.add(e.getValue().info);
        last = k;
      }
      n++;
    }
    return new ListResult(objects, List.copyOf(prefixes), false, null);
  }

  /** Nothing is left behind in memory. */
  @Override
  public long sweep(Ctx ctx, java.time.Duration tempAge, java.time.Duration uploadAge) {
    return 0;
  }

  @Override
  public Multipart multipart() {
    return this;
  }

  // ---- multipart ----

  @Override
  public synchronized String create(Ctx ctx, String bucket, String key, ObjectMeta meta) throws IOException {
    bucket(bucket);
    String id = "u" + ids.incrementAndGet();
    uploads.put(id, new TreeMap<>());
    uploadInfo.put(id, new Upload(bucket, key, id, Instant.now(), ctx.uid()));
    return id;
  }

  private TreeMap<Integer, byte[]> upload(String id) throws S3Exception {
    TreeMap<Integer, byte[]> u = id == null ? null : uploads.get(id);
    if (u == null) {
      throw S3Error.NO_SUCH_UPLOAD.exception();
    }
    return u;
  }

  @Override
  public Part uploadPart(Ctx ctx, String bucket, String key, String uploadId, int partNumber, InputStream body, Supplier<String> md5AfterBody) throws IOException {
    synchronized (this) {
      upload(uploadId);
    }
    byte[] data = body.readAllBytes();
    synchronized (this) {
      upload(uploadId).put(partNumber, data);
    }
    return new Part(partNumber, data.length, md5AfterBody.get(), Instant.now());
  }

  @Override
  public synchronized Part copyPart(Ctx ctx, String bucket, String key, String uploadId, int partNumber, String srcBucket, String srcKey, long first, long last) throws IOException {
    Obj src = bucket(srcBucket).get(srcKey);
    if (src == null) {
      throw S3Error.NO_SUCH_KEY.exception();
    }
    byte[] data = Arrays.copyOfRange(src.data, (int) first, (int) last + 1);
    upload(uploadId).put(partNumber, data);
    return new Part(partNumber, data.length, md5(data), Instant.now());
  }

  @Override
  public synchronized PartPage parts(Ctx ctx, String bucket, String key, String uploadId, int marker, int maxParts) throws IOException {
    List<Part> out = new ArrayList<>();
    for (Map.Entry<Integer, byte[]> e : upload(uploadId).tailMap(marker, false).entrySet()) {
      if (out.size() == maxParts) {
        return new PartPage(out, true, out.getLast().number());
      }
      out.add(new Part(e.getKey(), e.getValue().length, md5(e.getValue()), Instant.now()));
    }
    return new PartPage(out, false, out.isEmpty() ? 0 : out.getLast().number());
  }

  @Override
  public synchronized UploadPage uploads(Ctx ctx, String bucket, String prefix, String delimiter, String keyMarker, String uploadIdMarker, int maxUploads) throws IOException {
    bucket(bucket);
    List<Upload> out = uploadInfo.values().stream().filter(u -> u.bucket().equals(bucket) && u.key().startsWith(prefix)).limit(maxUploads).toList();
    return new UploadPage(out, List.of(), false, null, null);
  }

  @Override
  public synchronized ObjectInfo complete(Ctx ctx, String bucket, String key, String uploadId, List<Part> parts, PutCondition condition) throws IOException {
    if (completeDelayMillis > 0) {
      try {
        Thread.sleep(completeDelayMillis); // a stand-in for a long concatenation
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException();
      }
    }
    TreeMap<Integer, byte[]> u = upload(uploadId);
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream md5s = new java.io.ByteArrayOutputStream();
    int prev = 0;
    for (Part p : parts) {
      byte[] d = u.get(p.number());
      if (d == null || !md5(d).equals(p.etag())) {
        throw S3Error.INVALID_PART.exception();
      }
      if (p.number() <= prev) {
        throw S3Error.INVALID_PART_ORDER.exception();
      }
      prev = p.number();
      all.writeBytes(d);
      md5s.writeBytes(HexFormat.of().parseHex(md5(d)));
    }
    checkCondition(bucket(bucket).get(key), condition);
    uploads.remove(uploadId);
    uploadInfo.remove(uploadId);
    return store(bucket, key, all.toByteArray(), ObjectMeta.EMPTY.withEtag(md5(md5s.toByteArray()) + "-" + parts.size()));
  }

  @Override
  public synchronized void abort(Ctx ctx, String bucket, String key, String uploadId) throws IOException {
    upload(uploadId);
    uploads.remove(uploadId);
    uploadInfo.remove(uploadId);
  }

  /** A read-only handle over bytes (only pread is used by the gateway). */
  private record BytesHandle(String path, byte[] data) implements FileHandle {
    @Override
    public int pread(ByteBuffer dst, long position) {
      if (position >= data.length) {
        return 0;
      }
      int n = (int) Math.min(dst.remaining(), data.length - position);
      dst.put(data, (int) position, n);
      return n;
    }

    @Override
    public Attr attr() {
      throw new UnsupportedOperationException();
    }

    @Override
    public int pwrite(ByteBuffer src, long position) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int read(ByteBuffer dst) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int write(ByteBuffer src) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long position() {
      return 0;
    }

    @Override
    public void seek(long position) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long size() {
      return data.length;
    }

    @Override
    public void truncate(long size) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void fsync() {}

    @Override
    public void flush() {}

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
