package io.nectarfs.gateway.s3.store;

import io.nectarfs.gateway.s3.S3Error;
import io.nectarfs.gateway.s3.S3Exception;
import io.nectarfs.gateway.s3.auth.ChecksumAlgorithm;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The xattrs the store keeps on files (compact binary, versioned by a first byte):
 *
 * <ul>
 *   <li>{@link #META} on an object: the {@link ObjectMeta} with the size and mtime its ETag was
 *       recorded for ({@link Recorded}); a file changed since (on the mount) gets a derived ETag;
 *   <li>{@link #TAGS} on an object: its tag set (S3's limits, {@link #checkTags});
 *   <li>{@link #AUTO} on a directory the store created as a parent of a key (removed again when
 *       the last key under it is deleted; a directory made by a marker PUT or on the mount has
 *       none and stays).
 * </ul>
 *
 * A value that does not decode (written by something else) is ignored, as if missing. Stateless.
 */
final class MetaCodec {
  static final String META = "user.s3.meta";
  static final String TAGS = "user.s3.tags";
  static final String AUTO = "user.s3.auto";
  static final String BUCKET_CREATED = "user.s3.created";
  private static final byte VERSION = 1;
  static final String EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e";

  /** Metadata with the file state (length, mtime in ns) its ETag belongs to. */
  record Recorded(ObjectMeta meta, long size, long mtime) {}

  private MetaCodec() {}

  static byte[] encode(ObjectMeta m, long size, long mtime) {
    try {
      ByteArrayOutputStream bo = new ByteArrayOutputStream(128);
      DataOutputStream o = new DataOutputStream(bo);
      o.writeByte(VERSION);
      o.writeLong(size);
      o.writeLong(mtime);
      for (String s : new String[] {m.etag(), m.contentType(), m.contentEncoding(), m.contentDisposition(), m.contentLanguage(), m.cacheControl(), m.expires()}) {
        str(o, s);
      }
      o.writeShort(m.userMeta().size());
      for (var e : new TreeMap<>(m.userMeta()).entrySet()) {
        str(o, e.getKey());
        str(o, e.getValue());
      }
      o.writeByte(m.checksums().size());
      for (var e : new TreeMap<>(m.checksums()).entrySet()) {
        str(o, e.getKey().name());
        str(o, e.getValue());
      }
      return bo.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Null when {@code b} is null or not ours. */
  static Recorded decode(byte[] b) {
    if (b == null || b.length == 0 || b[0] != VERSION) {
      return null;
    }
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(b, 1, b.length - 1));
      long size = in.readLong();
      long mtime = in.readLong();
      String[] s = new String[7];
      for (int i = 0; i < s.length; i++) {
        s[i] = str(in);
      }
      int n = in.readUnsignedShort();
      Map<String, String> user = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        user.put(str(in), str(in));
      }
      int c = in.readUnsignedByte();
      Map<ChecksumAlgorithm, String> sums = new LinkedHashMap<>();
      for (int i = 0; i < c; i++) {
        String alg = str(in);
        String v = str(in);
        try {
          sums.put(ChecksumAlgorithm.valueOf(alg), v);
        } catch (IllegalArgumentException unknown) {
          // an algorithm this version does not know: dropped
        }
      }
      return new Recorded(new ObjectMeta(s[0], s[1], s[2], s[3], s[4], s[5], s[6], user, sums), size, mtime);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static byte[] encodeTags(Map<String, String> tags) {
    try {
      ByteArrayOutputStream bo = new ByteArrayOutputStream(64);
      DataOutputStream o = new DataOutputStream(bo);
      o.writeByte(VERSION);
      o.writeByte(tags.size());
      for (var e : new TreeMap<>(tags).entrySet()) {
        str(o, e.getKey());
        str(o, e.getValue());
      }
      return bo.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Map<String, String> decodeTags(byte[] b) {
    Map<String, String> out = new LinkedHashMap<>();
    if (b == null || b.length == 0 || b[0] != VERSION) {
      return out;
    }
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(b, 1, b.length - 1));
      int n = in.readUnsignedByte();
      for (int i = 0; i < n; i++) {
        out.put(str(in), str(in));
      }
      return out;
    } catch (IOException | RuntimeException e) {
      return new LinkedHashMap<>();
    }
  }

  /** S3's tag limits: at most 10 tags, keys 1..128 characters, values at most 256 (InvalidTag). */
  static void checkTags(Map<String, String> tags) throws S3Exception {
    if (tags.size() > 10) {
      throw S3Error.INVALID_TAG.exception("Object tags cannot be greater than 10");
    }
    for (var e : tags.entrySet()) {
      String k = e.getKey();
      String v = e.getValue() == null ? "" : e.getValue();
      if (k == null || k.isEmpty() || k.codePointCount(0, k.length()) > 128) {
        throw S3Error.INVALID_TAG.exception("The TagKey you have provided is invalid");
      }
      if (v.codePointCount(0, v.length()) > 256) {
        throw S3Error.INVALID_TAG.exception("The TagValue you have provided is invalid");
      }
    }
  }

  /**
   * The ETag of a file whose recorded one does not apply (written on the mount, or changed there
   * since): 32 hex digits of SHA-256 over (inode, length, mtime) and the suffix "-1". Stable while
   * the file is unchanged; the suffix marks it, as a multipart ETag is, as not an MD5 of the
   * bytes, so no client checks the data against it.
   */
  static String derivedEtag(long ino, long size, long mtime) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(ByteBuffer.allocate(24).putLong(ino).putLong(size).putLong(mtime).flip());
      return HexFormat.of().formatHex(d.digest(), 0, 16) + "-1";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void str(DataOutputStream o, String s) throws IOException {
    if (s == null) {
      o.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    o.writeInt(b.length);
    o.write(b);
  }

  private static String str(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    if (n > 1 << 16) {
      throw new IOException("bad length");
    }
    return new String(in.readNBytes(n), StandardCharsets.UTF_8);
  }
}
