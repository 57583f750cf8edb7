package io.nectarfs.gateway.s3.store;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.fs.FileApi;
import io.nectarfs.fs.FileApi.Stat;
import io.nectarfs.fs.FileHandle;
import io.nectarfs.gateway.s3.S3Error;
import io.nectarfs.gateway.s3.S3Exception;
import io.nectarfs.gateway.s3.store.BucketStore.ObjectInfo;
import io.nectarfs.gateway.s3.store.BucketStore.PutCondition;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@link Multipart} staged in the volume: {@code <root>/.nectar-s3/uploads/<uploadId>/} holds
 * {@code part.<n>} files, each with its ETag in xattr {@link #PART}; the upload directory's xattr
 * {@link #UPLOAD} holds bucket, key, initiator and metadata ({@link Info}). The staging
 * directories are root's (mode 0711: no one lists them but the store); an upload's directory
 * belongs to its initiator (mode 0700), so parts are written, counted in quotas and read back for
 * completion as that user. Only the initiator or root may upload, list parts, complete or abort
 * (AccessDenied). An upload id is 24 random URL-safe characters and encodes nothing.
 *
 * <p>Completion concatenates the parts by {@code copyRange} (slices shared, nothing read or
 * written) into a temporary next to the key and publishes it as a PUT does. A copied part
 * (UploadPartCopy) is shared too; its ETag is the MD5 of its bytes, as S3's (they are read once
 * for it; nothing is written).
 *
 * <p>Thread-safe: state is in the volume; parts of one upload may arrive concurrently (each is
 * written to a temporary and renamed to {@code part.<n>}: the last wins).
 */
final class FsMultipart implements Multipart {
  static final String UPLOAD = "user.s3.upload";
  static final String PART = "user.s3.part";
  static final long MIN_PART = 5L << 20;
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{24}");
  private static final SecureRandom RANDOM = new SecureRandom();
  private final FsBucketStore store;
  private final FileApi fs;

  FsMultipart(FsBucketStore store) {
    this.store = store;
    this.fs = store.fs;
  }

  /** What an upload records about itself. */
  record Info(String bucket, String key, int uid, int gid, long initiatedNanos, ObjectMeta meta) {
    byte[] encode() throws IOException {
      ByteArrayOutputStream bo = new ByteArrayOutputStream();
      DataOutputStream o = new DataOutputStream(bo);
      o.writeByte(1);
      o.writeUTF(bucket);
      byte[] k = key.getBytes(StandardCharsets.UTF_8);
      o.writeInt(k.length);
      o.write(k);
      o.writeInt(uid);
      o.writeInt(gid);
      o.writeLong(initiatedNanos);
      byte[] m = MetaCodec.encode(meta, 0, 0);
      o.writeInt(m.length);
      o.write(m);
      return bo.toByteArray();
    }

    static Info decode(byte[] b) {
      if (b == null || b.length == 0 || b[0] != 1) {
        return null;
      }
      try {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(b, 1, b.length - 1));
        String bucket = in.readUTF();
        String key = new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
        int uid = in.readInt();
        int gid = in.readInt();
        long t = in.readLong();
        MetaCodec.Recorded r = MetaCodec.decode(in.readNBytes(in.readInt()));
        return new Info(bucket, key, uid, gid, t, r == null ? ObjectMeta.EMPTY : r.meta());
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }
  }

  private static Ctx admin(Ctx ctx) {
    return ctx.as(0, 0, new int[0]);
  }

  String staging() {
    return S3Keys.child(S3Keys.child(store.root, S3Keys.HIDDEN), "uploads");
  }

  private String uploadDir(String id) {
    return S3Keys.child(staging(), id);
  }

  private static String partName(int n) {
    return "part." + n;
  }

  private void ensureStaging(Ctx admin) throws IOException {
    String top = S3Keys.parent(staging());
    for (String d : new String[] {top, staging()}) {
      try {
        fs.mkdir(admin, d, 0711);
      } catch (FsException e) {
        if (e.errno() != Errno.EEXIST) {
          throw e;
        }
      }
    }
  }

  /** The upload, checked to belong to bucket/key and to the caller (or root). */
  private Info load(Ctx ctx, String bucket, String key, String uploadId) throws IOException {
    store.bucketDir(bucket);
    if (uploadId == null || !ID.matcher(uploadId).matches()) {
      throw S3Error.NO_SUCH_UPLOAD.exception();
    }
    Info i;
    try {
      i = Info.decode(fs.getXattr(admin(ctx), uploadDir(uploadId), UPLOAD));
    } catch (FsException e) {
      if (FsBucketStore.missing(e) || e.errno() == Errno.ENODATA) {
        throw S3Error.NO_SUCH_UPLOAD.exception();
      }
      throw e;
    }
    if (i == null || !i.bucket().equals(bucket) || !i.key().equals(key)) {
      throw S3Error.NO_SUCH_UPLOAD.exception();
    }
    if (!ctx.isRoot() && ctx.uid() != i.uid()) {
      throw S3Error.ACCESS_DENIED.exception("Only the user who initiated the upload may use it.");
    }
    return i;
  }

  @Override
  public String create(Ctx ctx, String bucket, String key, ObjectMeta meta) throws IOException {
    store.bucketDir(bucket);
    S3Keys.check(key);
    if (S3Keys.isMarker(key)) {
      throw S3Error.INVALID_ARGUMENT.exception("A key ending in '/' is a directory here; it cannot be uploaded in parts.");
    }
    store.bucketStat(ctx, bucket);
    Ctx admin = admin(ctx);
    ensureStaging(admin);
    byte[] r = new byte[18];
    RANDOM.nextBytes(r);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(r);
    String dir = uploadDir(id);
    fs.mkdir(admin, dir, 0700);
    try {
      Info info = new Info(bucket, key, ctx.uid(), ctx.gid(), store.clock.nowNanos(), meta == null ? ObjectMeta.EMPTY : meta);
      fs.setXattr(admin, dir, UPLOAD, info.encode(), 0);
      fs.chown(admin, dir, ctx.uid(), ctx.gid());
    } catch (IOException | RuntimeException e) {
      store.removeQuietly(admin, dir);
      throw e;
    }
    return id;
  }

  private static void checkNumber(int n) throws S3Exception {
    if (n < 1 || n > 10_000) {
      throw S3Error.INVALID_ARGUMENT.exception("Part number must be an integer between 1 and 10000, inclusive");
    }
  }

  @Override
  public Part uploadPart(Ctx ctx, String bucket, String key, String uploadId, int partNumber, InputStream body, Supplier<String> md5AfterBody) throws IOException {
    checkNumber(partNumber);
    load(ctx, bucket, key, uploadId);
    String dir = uploadDir(uploadId);
    String tmp = FsBucketStore.tempName(dir);
    boolean done = false;
    try {
      String md5;
      try (FileHandle h = fs.open(ctx, tmp, java.util.EnumSet.of(java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.CREATE_NEW), 0600)) {
        FsBucketStore.copy(body, h);
        md5 = md5AfterBody.get();
      }
      Part p = finishPart(ctx, dir, tmp, partNumber, md5);
      done = true;
      return p;
    } finally {
      if (!done) {
        store.removeQuietly(ctx, tmp);
      }
    }
  }

  private Part finishPart(Ctx ctx, String dir, String tmp, int n, String etag) throws IOException {
    Stat s = fs.stat(ctx, tmp);
    store.setXattrBeforeRename(ctx, tmp, s.ino(), PART, etag.getBytes(StandardCharsets.UTF_8));
    try {
      fs.rename(ctx, tmp, S3Keys.child(dir, partName(n)), 0);
    } catch (FsException e) {
      if (FsBucketStore.missing(e)) {
        throw S3Error.NO_SUCH_UPLOAD.exception(); // aborted or completed meanwhile
      }
      throw e;
    }
    return new Part(n, s.attr().length(), etag, Instant.ofEpochSecond(0, s.attr().mtime()));
  }

  @Override
  public Part copyPart(Ctx ctx, String bucket, String key, String uploadId, int partNumber, String srcBucket, String srcKey, long first, long last) throws IOException {
    checkNumber(partNumber);
    load(ctx, bucket, key, uploadId);
    ObjectInfo src = store.headIn(ctx, srcBucket, store.bucketDir(srcBucket), srcKey);
    long from = first < 0 || last < 0 ? 0 : first;
    long len = first < 0 || last < 0 ? src.size() : last - first + 1;
    if (len < 0 || from + len > src.size()) {
      throw S3Error.INVALID_ARGUMENT.exception("Range specified is not valid for source object of size: " + src.size());
    }
    String dir = uploadDir(uploadId);
    String tmp = FsBucketStore.tempName(dir);
    boolean done = false;
    try {
      fs.open(ctx, tmp, java.util.EnumSet.of(java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.CREATE_NEW), 0600).close();
      store.copyRange(ctx, FsBucketStore.path(store.bucketDir(srcBucket), srcKey), from, tmp, 0, len);
      String etag = md5Of(ctx, tmp); // S3's part ETag is the MD5 of the bytes: read them (no data is written)
      Part p = finishPart(ctx, dir, tmp, partNumber, etag);
      done = true;
      return p;
    } finally {
      if (!done) {
        store.removeQuietly(ctx, tmp);
      }
    }
  }

  /** The hex MD5 of a file's bytes. */
  private String md5Of(Ctx ctx, String path) throws IOException {
    java.security.MessageDigest d;
    try {
      d = java.security.MessageDigest.getInstance("MD5");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 20);
    try (io.nectarfs.fs.FileHandle h = fs.open(ctx, path)) {
      long pos = 0;
      for (int n; (n = h.pread(buf.clear(), pos)) > 0; pos += n) {
        d.update(buf.array(), 0, n);
      }
    }
    return hex(d.digest());
  }

  /** Every part of an upload, by number. */
  private List<Part> allParts(Ctx ctx, String dir) throws IOException {
    List<Part> out = new ArrayList<>();
    for (FileApi.Child c : fs.list(ctx, dir)) {
      if (!c.name().startsWith("part.") || c.attr().isDir()) {
        continue;
      }
      int n;
      try {
        n = Integer.parseInt(c.name().substring(5));
      } catch (NumberFormatException e) {
        continue;
      }
      out.add(new Part(n, c.attr().length(), null, Instant.ofEpochSecond(0, c.attr().mtime())));
    }
    out.sort(Comparator.comparingInt(Part::number));
    return out;
  }

  private Part withEtag(Ctx ctx, String dir, Part p) throws IOException {
    byte[] e = store.xattr(ctx, S3Keys.child(dir, partName(p.number())), 0, PART);
    return new Part(p.number(), p.size(), e == null ? "" : new String(e, StandardCharsets.UTF_8), p.modified());
  }

  @Override
  public PartPage parts(Ctx ctx, String bucket, String key, String uploadId, int marker, int maxParts) throws IOException {
    load(ctx, bucket, key, uploadId);
    String dir = uploadDir(uploadId);
    List<Part> page = new ArrayList<>();
    boolean truncated = false;
    for (Part p : allParts(ctx, dir)) {
      if (p.number() <= marker) {
        continue;
      }
      if (page.size() == maxParts) {
        truncated = true;
        break;
      }
      page.add(withEtag(ctx, dir, p));
    }
    return new PartPage(page, truncated, truncated ? page.getLast().number() : 0);
  }

  @Override
  public UploadPage uploads(Ctx ctx, String bucket, String prefix, String delimiter, String keyMarker, String uploadIdMarker, int maxUploads) throws IOException {
    store.bucketStat(ctx, bucket);
    String pre = prefix == null ? "" : prefix;
    Ctx admin = admin(ctx);
    List<Upload> all = new ArrayList<>();
    List<FileApi.Child> dirs;
    try {
      dirs = fs.list(admin, staging());
    } catch (FsException e) {
      if (!FsBucketStore.missing(e)) {
        throw e;
      }
      dirs = List.of();
    }
    for (FileApi.Child c : dirs) {
      if (!c.attr().isDir() || !ID.matcher(c.name()).matches()) {
        continue;
      }
      Info i = Info.decode(store.xattr(admin, uploadDir(c.name()), c.ino(), UPLOAD));
      if (i != null && i.bucket().equals(bucket) && i.key().startsWith(pre)) {
        all.add(new Upload(i.bucket(), i.key(), c.name(), Instant.ofEpochSecond(0, i.initiatedNanos()), i.uid()));
      }
    }
    Comparator<Upload> order = (a, b) -> S3Keys.compare(a.key(), b.key());
    all.sort(order.thenComparing(Upload::initiated).thenComparing(Upload::uploadId));
    List<Upload> out = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    boolean truncated = false;
    String lastKey = null;
    String lastId = null;
    boolean seenMarker = uploadIdMarker == null || uploadIdMarker.isEmpty();
    for (Upload u : all) {
      if (keyMarker != null && !keyMarker.isEmpty()) {
        int c = S3Keys.compare(u.key(), keyMarker);
        if (c < 0 || (c == 0 && seenMarker && (uploadIdMarker == null || uploadIdMarker.isEmpty()))) {
          continue;
        }
        if (c == 0 && !seenMarker) {
          seenMarker = u.uploadId().equals(uploadIdMarker);
          continue;
        }
      }
      String cp = null;
      if (delimiter != null && !delimiter.isEmpty()) {
        int at = u.key().indexOf(delimiter, pre.length());
        cp = at < 0 ? null : u.key().substring(0, at + delimiter.length());
      }
      if (cp != null && ((!prefixes.isEmpty() && prefixes.getLast().equals(cp))
          || (keyMarker != null && !keyMarker.isEmpty() && S3Keys.compare(cp, keyMarker) <= 0))) {
        continue; // listed already, or the marker of the page before
      }
      if (out.size() + prefixes.size() == maxUploads) {
        truncated = true;
        break;
      }
      if (cp != null) {
        prefixes.add(cp);
        lastKey = cp;
        lastId = null;
      } else {
        out.add(u);
        lastKey = u.key();
        lastId = u.uploadId();
      }
    }
    return new UploadPage(out, prefixes, truncated, truncated ? lastKey : null, truncated ? lastId : null);
  }

  @Override
  public ObjectInfo complete(Ctx ctx, String bucket, String key, String uploadId, List<Part> parts, PutCondition condition) throws IOException {
    Info info = load(ctx, bucket, key, uploadId);
    if (parts.isEmpty()) {
      throw S3Error.MALFORMED_XML.exception("You must specify at least one part.");
    }
    String dir = uploadDir(uploadId);
    List<Part> stored = new ArrayList<>();
    int prev = 0;
    for (Part p : parts) {
      if (p.number() <= prev) {
        throw S3Error.INVALID_PART_ORDER.exception();
      }
      prev = p.number();
      Stat s;
      try {
        s = fs.stat(ctx, S3Keys.child(dir, partName(p.number())));
      } catch (FsException e) {
        if (FsBucketStore.missing(e)) {
          throw S3Error.INVALID_PART.exception();
        }
        throw e;
      }
      Part have = withEtag(ctx, dir, new Part(p.number(), s.attr().length(), null, null));
      if (p.etag() == null || !Etags.matches(p.etag(), have.etag()) || p.etag().trim().equals("*")) {
        throw S3Error.INVALID_PART.exception();
      }
      stored.add(have);
    }
    for (int i = 0; i < stored.size() - 1; i++) {
      if (stored.get(i).size() < MIN_PART) {
        throw S3Error.ENTITY_TOO_SMALL.exception("Your proposed upload is smaller than the minimum allowed size (part " + stored.get(i).number() + ").");
      }
    }
    String bdir = store.bucketStat(ctx, bucket).path();
    String target = FsBucketStore.path(bdir, key);
    String parent = S3Keys.parent(target);
    store.checkCondition(ctx, bucket, bdir, key, condition);
    store.ensureParents(ctx, bdir, parent, key);
    store.checkNotDir(ctx, target, key);
    String tmp = FsBucketStore.tempName(parent);
    boolean done = false;
    try {
      store.createTemp(ctx, bdir, parent, key, tmp).close();
      long off = 0;
      ByteArrayOutputStream md5s = new ByteArrayOutputStream();
      for (Part p : stored) {
        store.copyRange(ctx, S3Keys.child(dir, partName(p.number())), 0, tmp, off, p.size());
        off += p.size();
        md5s.writeBytes(binary(p.etag()));
      }
      String etag = hex(md5(md5s.toByteArray())) + "-" + stored.size();
      ObjectInfo i = store.publish(ctx, tmp, target, key, info.meta().withEtag(etag), condition);
      done = true;
      store.removeQuietly(admin(ctx), dir);
      return i;
    } finally {
      if (!done) {
        store.removeQuietly(ctx, tmp);
      }
    }
  }

  @Override
  public void abort(Ctx ctx, String bucket, String key, String uploadId) throws IOException {
    load(ctx, bucket, key, uploadId);
    fs.delete(admin(ctx), uploadDir(uploadId), true);
  }

  /** Whether {@code path} is an upload's staging directory ({@code .../.nectar-s3/uploads/<id>}). */
  static boolean isUploadDir(String path) {
    String id = FsBucketStore.name(path);
    String uploads = S3Keys.parent(path);
    return ID.matcher(id).matches() && FsBucketStore.name(uploads).equals("uploads") && FsBucketStore.name(S3Keys.parent(uploads)).equals(S3Keys.HIDDEN);
  }

  private static byte[] binary(String etag) {
    String e = etag.trim();
    if (e.length() == 32) {
      try {
        return java.util.HexFormat.of().parseHex(e);
      } catch (IllegalArgumentException notHex) {
        // below
      }
    }
    return md5(e.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] md5(byte[] b) {
    try {
      return MessageDigest.getInstance("MD5").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(byte[] b) {
    return java.util.HexFormat.of().formatHex(b);
  }
}
