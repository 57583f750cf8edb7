package io.nectarfs.meta;

import io.nectarfs.meta.kv.Bytes;
import java.util.ArrayList;
import java.util.List;

/** Binary encodings of attributes, directory entries and slice lists (big-endian). */
final class Codec {
  static final int ATTR_BYTES = 60;
  /** With ACL ids: the base encoding followed by accessAcl u32 and defaultAcl u32. */
  static final int ATTR_ACL_BYTES = 68;

  private Codec() {}

  static byte[] attr(Attr a) {
    boolean acl = a.accessAcl() != 0 || a.defaultAcl() != 0;
    byte[] b = new byte[acl ? ATTR_ACL_BYTES : ATTR_BYTES];
    if (acl) {
      Bytes.putU32(b, 60, a.accessAcl());
      Bytes.putU32(b, 64, a.defaultAcl());
    }
    b[0] = (byte) a.flags();
    b[1] = (byte) a.type().code();
    b[2] = (byte) (a.mode() >>> 8);
    b[3] = (byte) a.mode();
    Bytes.putU32(b, 4, a.uid());
    Bytes.putU32(b, 8, a.gid());
    Bytes.putU64(b, 12, a.atime());
    Bytes.putU64(b, 20, a.mtime());
    Bytes.putU64(b, 28, a.ctime());
    Bytes.putU32(b, 36, a.nlink());
    Bytes.putU64(b, 40, a.length());
    Bytes.putU32(b, 48, a.rdev());
    Bytes.putU64(b, 52, a.parent());
    return b;
  }

  static Attr attr(byte[] b) {
    return new Attr(
        FileType.ofCode(b[1]),
        ((b[2] & 0xff) << 8) | (b[3] & 0xff),
        Bytes.getU32(b, 4),
        Bytes.getU32(b, 8),
        Bytes.getU64(b, 12),
        Bytes.getU64(b, 20),
        Bytes.getU64(b, 28),
        Bytes.getU32(b, 36),
        Bytes.getU64(b, 40),
        Bytes.getU32(b, 48),
        b[0] & 0xff,
        Bytes.getU64(b, 52),
        b.length >= ATTR_ACL_BYTES ? Bytes.getU32(b, 60) : 0,
        b.length >= ATTR_ACL_BYTES ? Bytes.getU32(b, 64) : 0);
  }

  static byte[] dentry(FileType type, long ino) {
    byte[] b = new byte[9];
    b[0] = (byte) type.code();
    Bytes.putU64(b, 1, ino);
    return b;
  }

  static FileType dentryType(byte[] v) {
    return FileType.ofCode(v[0]);
  }

  static long dentryIno(byte[] v) {
    return Bytes.getU64(v, 1);
  }

  static byte[] slice(Slice s) {
    byte[] b = new byte[Slice.ENCODED];
    Bytes.putU32(b, 0, s.pos());
    Bytes.putU64(b, 4, s.id());
    Bytes.putU32(b, 12, s.size());
    Bytes.putU32(b, 16, s.off());
    Bytes.putU32(b, 20, s.len());
    return b;
  }

  static List<Slice> slices(byte[] v) {
    List<Slice> out = new ArrayList<>(v == null ? 0 : v.length / Slice.ENCODED);
    if (v == null) {
      return out;
    }
    for (int at = 0; at + Slice.ENCODED <= v.length; at += Slice.ENCODED) {
      out.add(new Slice(Bytes.getU32(v, at), Bytes.getU64(v, at + 4), Bytes.getU32(v, at + 12), Bytes.getU32(v, at + 16), Bytes.getU32(v, at + 20)));
    }
    return out;
  }

  /** The number of slice records in an encoded list ({@code null}: none). */
  static int sliceCount(byte[] v) {
    return v == null ? 0 : v.length / Slice.ENCODED;
  }

  static byte[] slices(List<Slice> list) {
    byte[] b = new byte[list.size() * Slice.ENCODED];
    for (int i = 0; i < list.size(); i++) {
      System.arraycopy(slice(list.get(i)), 0, b, i * Slice.ENCODED, Slice.ENCODED);
    }
    return b;
  }

  static byte[] u32(int v) {
    byte[] b = new byte[4];
    Bytes.putU32(b, 0, v);
    return b;
  }
}
