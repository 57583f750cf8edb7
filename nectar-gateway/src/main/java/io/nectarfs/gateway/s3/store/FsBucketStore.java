package io.nectarfs.gateway.s3.store;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.fs.FileApi;
import io.nectarfs.fs.FileApi.Stat;
import io.nectarfs.fs.FileHandle;
import io.nectarfs.gateway.s3.S3Error;
import io.nectarfs.gateway.s3.S3Exception;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.FileType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * {@link BucketStore} over a {@link FileApi}. Objects are files, written as a hidden temporary
 * ({@link S3Keys#TEMP_PREFIX}) in the key's directory and renamed over the key; metadata and
 * tags are xattrs ({@link MetaCodec}). Conflicts between keys and directories (S3 has none) answer
 * {@link S3Error#PATH_CONFLICT} (409) naming the conflict.
 *
 * <p>Thread-safe: no state but the file API's, which is thread-safe; concurrent writers of one key
 * each rename their own temporary (the last rename wins, as the last PUT does in S3).
 */
final class FsBucketStore implements BucketStore {
  /** The write size of bodies (large writes: one slice per 4 MiB block, few calls). */
  static final int PIECE = 1 << 20;
  private static final SecureRandom RANDOM = new SecureRandom();
  final FileApi fs;
  final String root;
  final String single;
  final Clock clock;
  private final FsMultipart multipart;

  FsBucketStore(FileApi fs, String root, String single, Clock clock) {
    this.fs = fs;
    this.root = root == null || root.isEmpty() ? "/" : root;
    this.single = single;
    this.clock = clock;
    this.multipart = new FsMultipart(this);
  }

  // ---- helpers shared with the lister and multipart ----

  static boolean missing(FsException e) {
    return e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR || e.errno() == Errno.ENAMETOOLONG;
  }

  static S3Exception noSuchKey(String key) {
    return S3Error.NO_SUCH_KEY.exception();
  }

  static S3Exception conflict(String message) {
    return S3Error.PATH_CONFLICT.exception(message);
  }

  /** The directory of {@code bucket} (not checked to exist); NoSuchBucket for a name that cannot be one. */
  String bucketDir(String bucket) throws S3Exception {
    if (single != null) {
      if (!single.equals(bucket)) {
        throw S3Error.NO_SUCH_BUCKET.exception();
      }
      return root;
    }
    if (!S3Keys.validBucket(bucket)) {
      throw S3Error.NO_SUCH_BUCKET.exception();
    }
    return S3Keys.child(root, bucket);
  }

  /** The bucket's directory, checked to exist. */
  Stat bucketStat(Ctx ctx, String bucket) throws IOException {
    String dir = bucketDir(bucket);
    try {
      Stat s = fs.stat(ctx, dir);
      if (!s.attr().isDir()) {
        throw S3Error.NO_SUCH_BUCKET.exception();
      }
      return s;
    } catch (FsException e) {
      if (missing(e)) {
        throw S3Error.NO_SUCH_BUCKET.exception();
      }
      throw e;
    }
  }

  static String path(String bucketDir, String key) {
    return S3Keys.child(bucketDir, S3Keys.isMarker(key) ? key.substring(0, key.length() - 1) : key);
  }

  static String tempName(String dir) {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return S3Keys.child(dir, S3Keys.TEMP_PREFIX + HexFormat.of().formatHex(b));
  }

  void removeQuietly(Ctx ctx, String path) {
    try {
      fs.delete(ctx, path, true);
    } catch (IOException | RuntimeException e) {
      // already gone, or the volume failed: sweep removes a temporary left behind
    }
  }

  /** An xattr of the file at {@code path} (inode {@code ino}), null when it has none. */
  byte[] xattr(Ctx ctx, String path, long ino, String name) throws IOException {
    try {
      return ino > 0 ? fs.getXattr(ctx, path, ino, name) : fs.getXattr(ctx, path, name); // by inode: no path resolution (listings)
    } catch (FsException e) {
      if (e.errno() == Errno.ENODATA || e.errno() == Errno.EOPNOTSUPP) {
        return null;
      }
      throw e;
    }
  }

  /**
   * Sets an xattr on a temporary (or a new parent) that a rename publishes next, without a sync of
   * its own: the rename's sync makes both durable (one WAL fsync instead of two on SQLite).
   */
  void setXattrBeforeRename(Ctx ctx, String path, long ino, String name, byte[] value) throws IOException {
    fs.setXattrBeforePublish(ctx, path, ino, name, value);
  }

  /**
   * Whether a directory is also the object "dir/": it is unless the store made it only as the
   * parent of a key ({@link MetaCodec#AUTO}); a marker PUT and a mkdir on the mount make one.
   */
  boolean isMarkerDir(Ctx ctx, String path, long ino) throws IOException {
    try {
      return xattr(ctx, path, ino, MetaCodec.AUTO) == null;
    } catch (FsException e) {
      if (e.errno() == Errno.EACCES || e.errno() == Errno.EPERM) {
        return true;
      }
      throw e;
    }
  }

  /** The object a stat shows, or null when it is none (a directory for a plain key, a file for a marker, anything else). */
  BucketStore.ObjectInfo info(Ctx ctx, String key, String path, long ino, Attr a) throws IOException {
    Instant modified = Instant.ofEpochSecond(0, a.mtime());
    if (S3Keys.isMarker(key)) {
      return a.isDir() && isMarkerDir(ctx, path, ino) ? new ObjectInfo(key, 0, modified, MetaCodec.EMPTY_MD5, ObjectMeta.EMPTY, a.uid(), a.gid(), a.mode()) : null;
    }
    if (a.type() != FileType.FILE) {
      return null;
    }
    MetaCodec.Recorded r;
    try {
      r = MetaCodec.decode(xattr(ctx, path, ino, MetaCodec.META));
    } catch (FsException e) {
      if (e.errno() != Errno.EACCES && e.errno() != Errno.EPERM) {
        throw e;
      }
      r = null; // listed but not readable by the caller: the derived ETag
    }
    ObjectMeta meta = r == null ? ObjectMeta.EMPTY : r.meta();
    String etag = r != null && r.meta().etag() != null && r.size() == a.length() && r.mtime() == a.mtime()
        ? r.meta().etag()
        : MetaCodec.derivedEtag(ino, a.length(), a.mtime());
    if (!etag.equals(meta.etag())) {
      meta = meta.withEtag(etag);
    }
    return new ObjectInfo(key, a.length(), modified, etag, meta, a.uid(), a.gid(), a.mode());
  }

  /** The object at key, or NoSuchKey / NoSuchBucket. */
  ObjectInfo headIn(Ctx ctx, String bucket, String dir, String key) throws IOException {
    if (S3Keys.invalid(key) != null) {
      bucketStat(ctx, bucket);
      throw noSuchKey(key);
    }
    String p = path(dir, key);
    Stat s;
    try {
      s = fs.stat(ctx, p);
    } catch (FsException e) {
      if (missing(e)) {
        bucketStat(ctx, bucket);
        throw noSuchKey(key);
      }
      throw e;
    }
    ObjectInfo i = info(ctx, key, p, s.ino(), s.attr());
    if (i == null) {
      throw noSuchKey(key);
    }
    return i;
  }

  /**
   * Makes the parent directories of a key's path (each new one marked {@link MetaCodec#AUTO}, so
   * that deleting the last key under it removes it again). A file on the way is a conflict.
   */
  void ensureParents(Ctx ctx, String bucketDir, String dir, String key) throws IOException {
    if (dir.equals(bucketDir) || dir.length() <= bucketDir.length()) {
      return;
    }
    try {
      if (!fs.stat(ctx, dir).attr().isDir()) {
        throw conflict("A parent of the key '" + key + "' is an object; on this gateway keys are paths, so an object cannot also be a prefix.");
      }
      return;
    } catch (FsException e) {
      if (e.errno() == Errno.ENOTDIR) {
        throw conflict("A parent of the key '" + key + "' is an object; on this gateway keys are paths, so an object cannot also be a prefix.");
      }
      if (e.errno() != Errno.ENOENT) {
        throw e;
      }
    }
    ensureParents(ctx, bucketDir, S3Keys.parent(dir), key);
    try {
      Stat made = fs.mkdir(ctx, dir, 0755);
      setXattrBeforeRename(ctx, dir, made.ino(), MetaCodec.AUTO, new byte[] {1}); // durable with the key's rename
    } catch (FsException e) {
      if (e.errno() != Errno.EEXIST) {
        throw e;
      }
      if (!fs.stat(ctx, dir).attr().isDir()) {
        throw conflict("A parent of the key '" + key + "' is an object; on this gateway keys are paths, so an object cannot also be a prefix.");
      }
    }
  }

  /** Removes the empty directories above {@code path} that the store made for keys ({@link MetaCodec#AUTO}). */
  void pruneParents(Ctx ctx, String bucketDir, String path) {
    try {
      for (String d = S3Keys.parent(path); d.length() > bucketDir.length() && d.startsWith(bucketDir); d = S3Keys.parent(d)) {
        if (xattr(ctx, d, 0, MetaCodec.AUTO) == null) {
          return;
        }
        fs.rmdir(ctx, d);
      }
    } catch (IOException | RuntimeException e) {
      // not empty (another key), gone, or not ours to remove: the directory stays
    }
  }

  /** Checks a write's preconditions against the current object (null: none). */
  void checkCondition(Ctx ctx, String bucket, String dir, String key, PutCondition c) throws IOException {
    if (c == null || (c.ifMatch() == null && c.ifNoneMatch() == null)) {
      return;
    }
    ObjectInfo cur;
    try {
      cur = headIn(ctx, bucket, dir, key);
    } catch (S3Exception e) {
      if (e.error() != S3Error.NO_SUCH_KEY) {
        throw e;
      }
      cur = null;
    }
    if (c.ifMatch() != null) {
      if (cur == null) {
        throw S3Error.NO_SUCH_KEY.exception();
      }
      if (!Etags.matches(c.ifMatch(), cur.etag())) {
        throw S3Error.PRECONDITION_FAILED.exception();
      }
    }
    if (c.ifNoneMatch() != null && cur != null && Etags.matches(c.ifNoneMatch(), cur.etag())) {
      throw S3Error.PRECONDITION_FAILED.exception();
    }
  }

  static boolean noReplace(PutCondition c) {
    return c != null && c.ifNoneMatch() != null && c.ifNoneMatch().trim().equals("*");
  }

  /**
   * Records {@code meta} on the finished temporary and renames it over the key (NOREPLACE for
   * If-None-Match: *); removes the temporary on any failure.
   */
  ObjectInfo publish(Ctx ctx, String tmp, String target, String key, ObjectMeta meta, PutCondition c) throws IOException {
    Stat s = fs.stat(ctx, tmp);
    if (meta == null) {
      meta = ObjectMeta.EMPTY;
    }
    if (meta.etag() == null) { // no MD5 computed by the caller: the derived form (the inode survives the rename)
      meta = meta.withEtag(MetaCodec.derivedEtag(s.ino(), s.attr().length(), s.attr().mtime()));
    }
    setXattrBeforeRename(ctx, tmp, s.ino(), MetaCodec.META, MetaCodec.encode(meta, s.attr().length(), s.attr().mtime()));
    try {
      fs.rename(ctx, tmp, target, noReplace(c) ? FileApi.RENAME_NOREPLACE : 0);
    } catch (FsException e) {
      if (e.errno() == Errno.EEXIST && noReplace(c)) {
        throw S3Error.PRECONDITION_FAILED.exception();
      }
      if (e.errno() == Errno.EISDIR || e.errno() == Errno.ENOTEMPTY || e.errno() == Errno.EEXIST) {
        throw conflict("The key '" + key + "' is a directory holding other keys; on this gateway keys are paths, so a prefix cannot also be an object.");
      }
      throw e;
    }
    return new ObjectInfo(key, s.attr().length(), Instant.ofEpochSecond(0, s.attr().mtime()), meta.etag(), meta, s.attr().uid(), s.attr().gid(), s.attr().mode());
  }

  /** A new empty temporary in {@code dir}, making the key's parents again if a delete pruned them meanwhile. */
  FileHandle createTemp(Ctx ctx, String bucketDir, String dir, String key, String tmp) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        return fs.open(ctx, tmp, EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW), 0644);
      } catch (FsException e) {
        if (e.errno() != Errno.ENOENT || attempt > 2) {
          throw e;
        }
        ensureParents(ctx, bucketDir, dir, key);
      }
    }
  }

  /** The target must not be a directory (for a plain key). */
  void checkNotDir(Ctx ctx, String target, String key) throws IOException {
    try {
      if (fs.lstat(ctx, target).attr().isDir()) {
        throw conflict("The key '" + key + "' is a directory holding other keys; on this gateway keys are paths, so a prefix cannot also be an object.");
      }
    } catch (FsException e) {
      if (e.errno() == Errno.ENOTDIR) {
        throw conflict("A parent of the key '" + key + "' is an object; on this gateway keys are paths, so an object cannot also be a prefix.");
      }
      if (e.errno() != Errno.ENOENT) {
        throw e;
      }
    }
  }

  // ---- buckets ----

  private Instant created(Ctx ctx, String dir, Stat s) {
    try {
      byte[] b = xattr(ctx, dir, s.ino(), MetaCodec.BUCKET_CREATED);
      if (b != null && b.length == 8) {
        return Instant.ofEpochMilli(ByteBuffer.wrap(b).getLong());
      }
    } catch (IOException | RuntimeException e) {
      // not readable by this caller: the directory's mtime
    }
    return Instant.ofEpochSecond(0, s.attr().mtime());
  }

  @Override
  public List<Bucket> buckets(Ctx ctx) throws IOException {
    List<Bucket> out = new ArrayList<>();
    if (single != null) {
      Stat s = fs.stat(ctx, root);
      out.add(new Bucket(single, created(ctx, root, s)));
      return out;
    }
    String cursor = null;
    do {
      FileApi.Page p = fs.list(ctx, root, cursor, 1000);
      for (FileApi.Child c : p.entries()) {
        if (c.attr().isDir() && S3Keys.validBucket(c.name())) {
          String dir = S3Keys.child(root, c.name());
          out.add(new Bucket(c.name(), created(ctx, dir, new Stat(dir, c.ino(), c.attr()))));
        }
      }
      cursor = p.cursor();
    } while (cursor != null);
    return out; // byte order of names is the order of bucket names (ASCII)
  }

  @Override
  public Bucket headBucket(Ctx ctx, String bucket) throws IOException {
    Stat s = bucketStat(ctx, bucket);
    return new Bucket(bucket, created(ctx, s.path(), s));
  }

  @Override
  public void createBucket(Ctx ctx, String bucket) throws IOException {
    if (single != null) {
      if (!single.equals(bucket)) {
        throw S3Error.ACCESS_DENIED.exception("This gateway serves the one bucket '" + single + "'.");
      }
      throw alreadyExists(ctx, fs.stat(ctx, root));
    }
    if (!S3Keys.validBucket(bucket)) {
      throw S3Error.INVALID_BUCKET_NAME.exception("The specified bucket is not valid: " + bucket);
    }
    String dir = S3Keys.child(root, bucket);
    try {
      fs.mkdir(ctx, dir, 0755);
    } catch (FsException e) {
      if (e.errno() == Errno.EEXIST) {
        throw alreadyExists(ctx, fs.lstat(ctx, dir));
      }
      throw e;
    }
    fs.setXattr(ctx, dir, MetaCodec.BUCKET_CREATED, ByteBuffer.allocate(8).putLong(clock.nowMillis()).array(), 0);
  }

  private static S3Exception alreadyExists(Ctx ctx, Stat s) {
    return s.attr().isDir() && (s.attr().uid() == ctx.uid())
        ? S3Error.BUCKET_ALREADY_OWNED_BY_YOU.exception()
        : S3Error.BUCKET_ALREADY_EXISTS.exception();
  }

  @Override
  public void deleteBucket(Ctx ctx, String bucket) throws IOException {
    if (single != null) {
      bucketDir(bucket);
      throw S3Error.ACCESS_DENIED.exception("The one bucket of this gateway cannot be deleted.");
    }
    String dir = bucketDir(bucket);
    try {
      fs.rmdir(ctx, dir);
    } catch (FsException e) {
      if (e.errno() == Errno.ENOTEMPTY) {
        throw S3Error.BUCKET_NOT_EMPTY.exception();
      }
      if (missing(e)) {
        throw S3Error.NO_SUCH_BUCKET.exception();
      }
      throw e;
    }
  }

  // ---- objects ----

  @Override
  public ObjectInfo head(Ctx ctx, String bucket, String key) throws IOException {
    return headIn(ctx, bucket, bucketDir(bucket), key);
  }

  @Override
  public OpenObject open(Ctx ctx, String bucket, String key) throws IOException {
    String dir = bucketDir(bucket);
    ObjectInfo i = headIn(ctx, bucket, dir, key);
    if (S3Keys.isMarker(key)) {
      return new OpenObject(i, new EmptyHandle(path(dir, key)));
    }
    try {
      return new OpenObject(i, fs.open(ctx, path(dir, key), StandardOpenOption.READ));
    } catch (FsException e) {
      if (missing(e) || e.errno() == Errno.EISDIR) {
        throw noSuchKey(key); // replaced between the stat and the open
      }
      throw e;
    }
  }

  @Override
  public ObjectInfo put(Ctx ctx, String bucket, String key, InputStream body, Supplier<ObjectMeta> metaAfterBody, PutCondition condition) throws IOException {
    String dir = bucketDir(bucket);
    S3Keys.check(key);
    bucketStat(ctx, bucket);
    if (S3Keys.isMarker(key)) {
      return putMarker(ctx, bucket, dir, key, body, metaAfterBody, condition);
    }
    String target = path(dir, key);
    String parent = S3Keys.parent(target);
    checkCondition(ctx, bucket, dir, key, condition);
    ensureParents(ctx, dir, parent, key);
    checkNotDir(ctx, target, key);
    String tmp = tempName(parent);
    boolean done = false;
    try {
      ObjectMeta meta;
      try (FileHandle h = createTemp(ctx, dir, parent, key, tmp)) {
        copy(body, h);
        meta = metaAfterBody.get();
      }
      ObjectInfo i = publish(ctx, tmp, target, key, meta, condition);
      done = true;
      return i;
    } finally {
      if (!done) {
        removeQuietly(ctx, tmp);
      }
    }
  }

  static void copy(InputStream body, FileHandle h) throws IOException {
    byte[] buf = new byte[PIECE];
    long pos = 0;
    int n;
    while ((n = body.readNBytes(buf, 0, buf.length)) > 0) {
      ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
      while (b.hasRemaining()) {
        pos += h.pwrite(b, pos);
      }
    }
  }

  private ObjectInfo putMarker(Ctx ctx, String bucket, String dir, String key, InputStream body, Supplier<ObjectMeta> metaAfterBody, PutCondition c) throws IOException {
    if (body.read() >= 0) {
      throw S3Error.INVALID_ARGUMENT.exception("A key ending in '/' is a directory here; its body must be empty.");
    }
    metaAfterBody.get();
    String target = path(dir, key);
    checkCondition(ctx, bucket, dir, key, c);
    ensureParents(ctx, dir, S3Keys.parent(target), key);
    try {
      fs.mkdir(ctx, target, 0755);
    } catch (FsException e) {
      if (e.errno() != Errno.EEXIST) {
        throw e;
      }
      if (noReplace(c)) {
        throw S3Error.PRECONDITION_FAILED.exception();
      }
      if (!fs.lstat(ctx, target).attr().isDir()) {
        throw conflict("The directory key '" + key + "' names an object; on this gateway keys are paths.");
      }
      try {
        fs.removeXattr(ctx, target, MetaCodec.AUTO); // a parent made for keys is now also the object "dir/"
      } catch (FsException e2) {
        if (e2.errno() != Errno.ENODATA) {
          throw e2;
        }
      }
    }
    return headIn(ctx, bucket, dir, key);
  }

  @Override
  public void delete(Ctx ctx, String bucket, String key) throws IOException {
    String dir = bucketDir(bucket);
    bucketStat(ctx, bucket);
    if (S3Keys.invalid(key) != null) {
      return;
    }
    String p = path(dir, key);
    try {
      if (S3Keys.isMarker(key)) {
        if (fs.lstat(ctx, p).attr().isDir()) {
          try {
            fs.rmdir(ctx, p);
          } catch (FsException e) {
            if (e.errno() != Errno.ENOTEMPTY) {
              throw e;
            }
            // its keys keep the directory; the object "dir/" is gone: it is a parent only now
            fs.setXattr(ctx, p, MetaCodec.AUTO, new byte[] {1}, 0);
            return;
          }
        }
      } else {
        fs.unlink(ctx, p);
      }
    } catch (FsException e) {
      // a missing key, a directory named like a plain key, or a marker of a non-empty directory
      // (its keys keep it; the marker no longer shows in listings): S3's delete of nothing
      if (!missing(e) && e.errno() != Errno.EISDIR && e.errno() != Errno.ENOTEMPTY) {
        throw e;
      }
      return;
    }
    pruneParents(ctx, dir, p);
  }

  @Override
  public ObjectInfo copy(Ctx ctx, String srcBucket, String srcKey, String dstBucket, String dstKey, ObjectMeta newMeta, PutCondition condition) throws IOException {
    String sdir = bucketDir(srcBucket);
    String ddir = bucketDir(dstBucket);
    S3Keys.check(dstKey);
    ObjectInfo src = headIn(ctx, srcBucket, sdir, srcKey);
    bucketStat(ctx, dstBucket);
    ObjectMeta meta = newMeta == null ? src.meta() : newMeta;
    if (meta.checksums().isEmpty() && !src.meta().checksums().isEmpty()) {
      meta = meta.withChecksums(src.meta().checksums()); // the bytes are the source's
    }
    meta = meta.withEtag(src.etag());
    if (S3Keys.isMarker(dstKey) || S3Keys.isMarker(srcKey)) {
      if (!(S3Keys.isMarker(dstKey) && S3Keys.isMarker(srcKey))) {
        throw S3Error.INVALID_REQUEST.exception("A directory key ('/' at the end) copies only to a directory key.");
      }
      return putMarker(ctx, dstBucket, ddir, dstKey, InputStream.nullInputStream(), () -> null, condition);
    }
    String from = path(sdir, srcKey);
    String target = path(ddir, dstKey);
    String parent = S3Keys.parent(target);
    checkCondition(ctx, dstBucket, ddir, dstKey, condition);
    ensureParents(ctx, ddir, parent, dstKey);
    checkNotDir(ctx, target, dstKey);
    String tmp = tempName(parent);
    boolean done = false;
    try {
      createTemp(ctx, ddir, parent, dstKey, tmp).close();
      copyRange(ctx, from, 0, tmp, 0, src.size());
      byte[] tags = xattr(ctx, from, 0, MetaCodec.TAGS);
      if (tags != null) {
        fs.setXattr(ctx, tmp, MetaCodec.TAGS, tags, 0);
      }
      ObjectInfo i = publish(ctx, tmp, target, dstKey, meta, condition);
      done = true;
      return i;
    } finally {
      if (!done) {
        removeQuietly(ctx, tmp);
      }
    }
  }

  /** copyRange of {@code len} bytes in the pieces the file API returns (slices shared, nothing read). */
  void copyRange(Ctx ctx, String from, long fromOff, String to, long toOff, long len) throws IOException {
    long done = 0;
    while (done < len) {
      long n = fs.copyRange(ctx, from, fromOff + done, to, toOff + done, len - done);
      if (n <= 0) {
        throw S3Error.INVALID_REQUEST.exception("The source object changed during the copy.");
      }
      done += n;
    }
  }

  @Override
  public Map<String, String> tags(Ctx ctx, String bucket, String key) throws IOException {
    String dir = bucketDir(bucket);
    headIn(ctx, bucket, dir, key);
    return MetaCodec.decodeTags(xattr(ctx, path(dir, key), 0, MetaCodec.TAGS));
  }

  @Override
  public void setTags(Ctx ctx, String bucket, String key, Map<String, String> tags) throws IOException {
    String dir = bucketDir(bucket);
    MetaCodec.checkTags(tags);
    headIn(ctx, bucket, dir, key);
    String p = path(dir, key);
    if (tags.isEmpty()) {
      try {
        fs.removeXattr(ctx, p, MetaCodec.TAGS);
      } catch (FsException e) {
        if (e.errno() != Errno.ENODATA) {
          throw e;
        }
      }
      return;
    }
    fs.setXattr(ctx, p, MetaCodec.TAGS, MetaCodec.encodeTags(tags), 0);
  }

  @Override
  public ListResult list(Ctx ctx, String bucket, ListRequest request) throws IOException {
    String dir = bucketDir(bucket);
    bucketStat(ctx, bucket);
    return new Lister(this, ctx, dir).list(request);
  }

  @Override
  public Multipart multipart() {
    return multipart;
  }

  @Override
  public long sweep(Ctx ctx, Duration tempAge, Duration uploadAge) throws IOException {
    long cutoff = clock.nowNanos() - tempAge.toNanos();
    long uploadCutoff = uploadAge == null ? Long.MIN_VALUE : clock.nowNanos() - uploadAge.toNanos();
    List<String> files = new ArrayList<>();
    List<String> uploads = new ArrayList<>();
    // the whole tree under the root: staging of gateways served from subdirectories too
    try (Stream<Stat> s = fs.walk(ctx, root, Integer.MAX_VALUE)) {
      s.forEach(st -> {
        if (!st.attr().isDir() && st.attr().mtime() < cutoff && name(st.path()).startsWith(S3Keys.TEMP_PREFIX)) {
          files.add(st.path());
        } else if (st.attr().isDir() && st.attr().mtime() < uploadCutoff && FsMultipart.isUploadDir(st.path())) {
          uploads.add(st.path());
        }
      });
    }
    long removed = 0;
    for (String p : uploads) {
      removeQuietly(ctx, p);
      removed++;
    }
    for (String p : files) {
      try {
        fs.unlink(ctx, p);
        removed++;
      } catch (FsException e) {
        if (!missing(e)) {
          throw e;
        }
      }
    }
    return removed;
  }

  static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
