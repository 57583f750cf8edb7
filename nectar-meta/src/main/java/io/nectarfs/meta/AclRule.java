package io.nectarfs.meta;

import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.kv.Bytes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A POSIX ACL: the owner, owning-group and other permissions, the mask (or {@link #NO_MASK}), and
 * named users and groups, each with rwx bits. Immutable; stored once per distinct rule under an id
 * (see {@link Acls}). Also the kernel's xattr encoding of {@code system.posix_acl_access} and
 * {@code _default}: a little-endian header {@code u32 version = 2} and entries {@code u16 tag, u16
 * perm, u32 id}.
 */
public record AclRule(int owner, int group, int mask, int other, List<Named> users, List<Named> groups) {
  public static final int NO_MASK = 0xFFFF;
  static final int XATTR_VERSION = 2;
  static final int TAG_USER_OBJ = 0x01;
  static final int TAG_USER = 0x02;
  static final int TAG_GROUP_OBJ = 0x04;
  static final int TAG_GROUP = 0x08;
  static final int TAG_MASK = 0x10;
  static final int TAG_OTHER = 0x20;
  private static final int UNDEFINED_ID = -1;

  /** A named user or group entry. */
  public record Named(int id, int perm) {}

  public AclRule {
    users = sorted(users);
    groups = sorted(groups);
  }

  private static List<Named> sorted(List<Named> l) {
    List<Named> c = new ArrayList<>(l);
    c.sort(Comparator.comparingInt(n -> n.id));
    return List.copyOf(c);
  }

  /** Whether the ACL says no more than the mode bits (no named entries, no mask). */
  public boolean isMinimal() {
    return users.isEmpty() && groups.isEmpty() && mask == NO_MASK;
  }

  /** The permission bits this ACL implies: owner, mask (or group) and other. */
  public int modeBits() {
    return (owner << 6) | ((mask == NO_MASK ? group : mask) << 3) | other;
  }

  /** The ACL after chmod to {@code mode}: owner, mask (or group when no mask) and other follow the mode. */
  public AclRule chmod(int mode) {
    int u = (mode >>> 6) & 7;
    int g = (mode >>> 3) & 7;
    int o = mode & 7;
    return mask == NO_MASK ? new AclRule(u, g, mask, o, users, groups) : new AclRule(u, group, g, o, users, groups);
  }

  /**
   * posix_acl_create_masq: the access ACL of a new inode made from its parent's default ACL and
   * the requested mode (umask is not applied): each of owner, mask (or group) and other keeps only
   * the bits the mode grants.
   */
  public AclRule createMasq(int mode) {
    int u = owner & (mode >>> 6) & 7;
    int o = other & mode & 7;
    int gm = (mode >>> 3) & 7;
    return mask == NO_MASK ? new AclRule(u, group & gm, mask, o, users, groups) : new AclRule(u, group, mask & gm, o, users, groups);
  }

  // ---- storage encoding (big-endian) ----

  byte[] encode() {
    byte[] b = new byte[16 + 6 * (users.size() + groups.size())];
    Bytes.putU32(b, 0, (owner << 16) | group);
    Bytes.putU32(b, 4, (mask << 16) | other);
    Bytes.putU32(b, 8, users.size());
    int at = 12;
    for (Named n : users) {
      Bytes.putU32(b, at, n.id);
      b[at + 4] = 0;
      b[at + 5] = (byte) n.perm;
      at += 6;
    }
    Bytes.putU32(b, at, groups.size());
    at += 4;
    for (Named n : groups) {
      Bytes.putU32(b, at, n.id);
      b[at + 4] = 0;
      b[at + 5] = (byte) n.perm;
      at += 6;
    }
    return b;
  }

  static AclRule decode(byte[] b) {
    int a = Bytes.getU32(b, 0);
    int c = Bytes.getU32(b, 4);
    int nu = Bytes.getU32(b, 8);
    int at = 12;
    List<Named> users = new ArrayList<>();
    for (int i = 0; i < nu; i++, at += 6) {
      users.add(new Named(Bytes.getU32(b, at), b[at + 5] & 7));
    }
    int ng = Bytes.getU32(b, at);
    at += 4;
    List<Named> groups = new ArrayList<>();
    for (int i = 0; i < ng; i++, at += 6) {
      groups.add(new Named(Bytes.getU32(b, at), b[at + 5] & 7));
    }
    return new AclRule(a >>> 16, a & 0xFFFF, c >>> 16, c & 0xFFFF, users, groups);
  }

  // ---- the kernel's xattr format (little-endian) ----

  /** The {@code system.posix_acl_*} value, entries in the kernel's order (tag, then id). */
  public byte[] toXattr() {
    int n = 3 + users.size() + groups.size() + (mask == NO_MASK ? 0 : 1);
    ByteBuffer bb = ByteBuffer.allocate(4 + 8 * n).order(ByteOrder.LITTLE_ENDIAN);
    bb.putInt(XATTR_VERSION);
    put(bb, TAG_USER_OBJ, owner, UNDEFINED_ID);
    for (Named u : users) {
      put(bb, TAG_USER, u.perm, u.id);
    }
    put(bb, TAG_GROUP_OBJ, group, UNDEFINED_ID);
    for (Named g : groups) {
      put(bb, TAG_GROUP, g.perm, g.id);
    }
    if (mask != NO_MASK) {
      put(bb, TAG_MASK, mask, UNDEFINED_ID);
    }
    put(bb, TAG_OTHER, other, UNDEFINED_ID);
    return bb.array();
  }

  private static void put(ByteBuffer bb, int tag, int perm, int id) {
    bb.putShort((short) tag);
    bb.putShort((short) perm);
    bb.putInt(id);
  }

  /** Parses and validates an xattr value as the kernel does (posix_acl_valid): EINVAL when malformed. */
  public static AclRule fromXattr(byte[] v) throws FsException {
    if (v.length < 4 || (v.length - 4) % 8 != 0) {
      throw Errno.EINVAL.exception("malformed POSIX ACL (" + v.length + " bytes)");
    }
    ByteBuffer bb = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
    if (bb.getInt() != XATTR_VERSION) {
      throw Errno.EOPNOTSUPP.exception("POSIX ACL version is not 2");
    }
    int owner = -1;
    int group = -1;
    int mask = NO_MASK;
    int other = -1;
    List<Named> users = new ArrayList<>();
    List<Named> groups = new ArrayList<>();
    int lastTag = 0;
    long lastId = -1;
    while (bb.hasRemaining()) {
      int tag = bb.getShort() & 0xFFFF;
      int perm = bb.getShort() & 0xFFFF;
      int id = bb.getInt();
      if ((perm & ~7) != 0 || tag < lastTag) {
        throw Errno.EINVAL.exception("invalid POSIX ACL entry");
      }
      if (tag != lastTag) {
        lastId = -1;
      }
      switch (tag) {
        case TAG_USER_OBJ -> owner = once(owner, perm);
        case TAG_GROUP_OBJ -> group = once(group, perm);
        case TAG_OTHER -> other = once(other, perm);
        case TAG_MASK -> mask = mask != NO_MASK ? bad() : perm;
        case TAG_USER, TAG_GROUP -> {
          long uid = id & 0xFFFFFFFFL;
          if (id == UNDEFINED_ID || uid <= lastId) {
            throw Errno.EINVAL.exception("invalid or repeated named ACL entry");
          }
          (tag == TAG_USER ? users : groups).add(new Named(id, perm));
          lastId = uid;
        }
        default -> throw Errno.EINVAL.exception("unknown ACL tag " + tag);
      }
      lastTag = tag;
    }
    if (owner < 0 || group < 0 || other < 0) {
      throw Errno.EINVAL.exception("POSIX ACL lacks the owner, group or other entry");
    }
    if (mask == NO_MASK && (!users.isEmpty() || !groups.isEmpty())) {
      throw Errno.EINVAL.exception("POSIX ACL with named entries needs a mask");
    }
    return new AclRule(owner, group, mask, other, users, groups);
  }

  private static int once(int old, int perm) throws FsException {
    if (old >= 0) {
      throw Errno.EINVAL.exception("repeated ACL entry");
    }
    return perm;
  }

  private static int bad() throws FsException {
    throw Errno.EINVAL.exception("repeated ACL mask");
  }

  /** The ACL of plain mode bits. */
  public static AclRule ofMode(int mode) {
    return new AclRule((mode >>> 6) & 7, (mode >>> 3) & 7, NO_MASK, mode & 7, List.of(), List.of());
  }

  /** getfacl's text without comments, e.g. {@code user::rw-,user:1000:r--,group::r--,mask::r--,other::---}. */
  public String toText() {
    List<String> out = new ArrayList<>();
    out.add("user::" + rwx(owner));
    users.forEach(u -> out.add("user:" + u.id + ":" + rwx(u.perm)));
    out.add("group::" + rwx(group));
    groups.forEach(g -> out.add("group:" + g.id + ":" + rwx(g.perm)));
    if (mask != NO_MASK) {
      out.add("mask::" + rwx(mask));
    }
    out.add("other::" + rwx(other));
    return String.join(",", out);
  }

  static String rwx(int p) {
    return ((p & 4) != 0 ? "r" : "-") + ((p & 2) != 0 ? "w" : "-") + ((p & 1) != 0 ? "x" : "-");
  }
}
