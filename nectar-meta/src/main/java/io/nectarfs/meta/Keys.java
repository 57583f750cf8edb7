package io.nectarfs.meta;

import io.nectarfs.common.Names;
import io.nectarfs.meta.kv.Bytes;
import java.nio.charset.StandardCharsets;

/**
 * The key schema of the metadata in any {@link io.nectarfs.meta.kv.TxnKv}. Numbers are big-endian
 * so that keys of one inode sort together and in numeric order.
 *
 * <pre>
 * F                         format record (JSON)
 * C name                    counter (8 bytes)
 * A ino I                   attributes
 * A ino D name              directory entry: type (1) + child inode (8); name = the raw bytes
 * A ino P parent            hard-link parents of ino: link count (4)
 * A ino C index(4)          slices of a chunk: n × 24 bytes
 * A ino S                   symlink target
 * A ino X name              extended attribute value
 * K sliceId size(4)         extra references of a shared slice (refs - 1)
 * N sliceId                 stored bytes of an inline slice ({@link Slice#INLINE})
 * D ino                     file whose data awaits deletion: length (8) + time (8)
 * L time(8) seq(8)          slices to free: n × (id (8) + size (4))
 * T lease-name              lease of a background job: holder sid (8) + until millis (8)
 * V 0(8) 0                  volume usage: space (8) + inodes (8), of ended sessions
 * V sid slot                usage added by a live session: space (8) + inodes (8)
 * S E sid                   session: expiry millis (8) + info JSON
 * S S sid ino               open-but-unlinked inode kept alive by a session
 * R id(4)                   interned POSIX ACL rule ({@link Acls})
 * O ino F|P sid owner       flock type / POSIX lock ranges of one owner ({@link Locks})
 * U ino                     direct statistics of a directory ({@link Quotas})
 * Q ino                     directory quota and its tree's usage ({@link Quotas})
 * </pre>
 */
final class Keys {
  static final byte[] FORMAT = {'F'};

  private Keys() {}

  static byte[] counter(String name) {
    return Bytes.concat(new byte[] {'C'}, name.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] inode(long ino, char kind, int extra) {
    byte[] k = new byte[10 + extra];
    k[0] = 'A';
    Bytes.putU64(k, 1, ino);
    k[9] = (byte) kind;
    return k;
  }

  static byte[] attr(long ino) {
    return inode(ino, 'I', 0);
  }

  static byte[] inodePrefix(long ino) {
    byte[] k = new byte[9];
    k[0] = 'A';
    Bytes.putU64(k, 1, ino);
    return k;
  }

  /** The entry key; the name's bytes are {@link Names#encode}d (lossless for any decoded name). */
  static byte[] dentry(long parent, String name) {
    byte[] n = Names.encode(name);
    byte[] k = inode(parent, 'D', n.length);
    System.arraycopy(n, 0, k, 10, n.length);
    return k;
  }

  static byte[] dentryPrefix(long parent) {
    return inode(parent, 'D', 0);
  }

  static String dentryName(byte[] key) {
    return Names.decode(key, 10, key.length - 10);
  }

  static byte[] parentLink(long ino, long parent) {
    byte[] k = inode(ino, 'P', 8);
    Bytes.putU64(k, 10, parent);
    return k;
  }

  static byte[] parentPrefix(long ino) {
    return inode(ino, 'P', 0);
  }

  static long parentOf(byte[] key) {
    return Bytes.getU64(key, 10);
  }

  static byte[] chunk(long ino, int index) {
    byte[] k = inode(ino, 'C', 4);
    Bytes.putU32(k, 10, index);
    return k;
  }

  static byte[] chunkPrefix(long ino) {
    return inode(ino, 'C', 0);
  }

  static int chunkIndex(byte[] key) {
    return Bytes.getU32(key, 10);
  }

  static byte[] symlink(long ino) {
    return inode(ino, 'S', 0);
  }

  static byte[] xattr(long ino, String name) {
    byte[] n = Names.encode(name);
    byte[] k = inode(ino, 'X', n.length);
    System.arraycopy(n, 0, k, 10, n.length);
    return k;
  }

  static byte[] xattrPrefix(long ino) {
    return inode(ino, 'X', 0);
  }

  static String xattrName(byte[] key) {
    return Names.decode(key, 10, key.length - 10);
  }

  static byte[] sliceRef(long id, int size) {
    byte[] k = new byte[13];
    k[0] = 'K';
    Bytes.putU64(k, 1, id);
    Bytes.putU32(k, 9, size);
    return k;
  }

  static final byte[] SLICE_REF_PREFIX = {'K'};

  static byte[] inlineData(long id) {
    byte[] k = new byte[9];
    k[0] = 'N';
    Bytes.putU64(k, 1, id);
    return k;
  }

  static final byte[] INLINE_PREFIX = {'N'};

  static byte[] delfile(long ino) {
    byte[] k = new byte[9];
    k[0] = 'D';
    Bytes.putU64(k, 1, ino);
    return k;
  }

  static final byte[] DELFILE_PREFIX = {'D'};

  static byte[] session(long sid) {
    byte[] k = new byte[10];
    k[0] = 'S';
    k[1] = 'E';
    Bytes.putU64(k, 2, sid);
    return k;
  }

  static final byte[] SESSION_PREFIX = {'S', 'E'};

  static byte[] sustained(long sid, long ino) {
    byte[] k = new byte[18];
    k[0] = 'S';
    k[1] = 'S';
    Bytes.putU64(k, 2, sid);
    Bytes.putU64(k, 10, ino);
    return k;
  }

  static byte[] sustainedPrefix(long sid) {
    byte[] k = new byte[10];
    k[0] = 'S';
    k[1] = 'S';
    Bytes.putU64(k, 2, sid);
    return k;
  }

  static final byte[] ALL_INODES_PREFIX = {'A'};

  static final byte[] USAGE_PREFIX = {'V'};
  static final byte[] USAGE_BASE = usage(0, 0);

  static byte[] usage(long sid, int slot) {
    byte[] k = new byte[10];
    k[0] = 'V';
    Bytes.putU64(k, 1, sid);
    k[9] = (byte) slot;
    return k;
  }

  static byte[] usagePrefix(long sid) {
    byte[] k = new byte[9];
    k[0] = 'V';
    Bytes.putU64(k, 1, sid);
    return k;
  }

  static byte[] freeSlices(long millis, long seq) {
    byte[] k = new byte[17];
    k[0] = 'L';
    Bytes.putU64(k, 1, millis);
    Bytes.putU64(k, 9, seq);
    return k;
  }

  static final byte[] FREE_SLICES_PREFIX = {'L'};

  static byte[] lease(String job) {
    return Bytes.concat(new byte[] {'T'}, job.getBytes(StandardCharsets.UTF_8));
  }
}
