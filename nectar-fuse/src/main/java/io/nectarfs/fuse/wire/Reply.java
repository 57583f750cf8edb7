package io.nectarfs.fuse.wire;

import io.nectarfs.meta.Attr;
import java.nio.ByteBuffer;

/**
 * Builds a reply in place after the 16-byte fuse_out_header; {@link #finish} writes the header.
 * Struct encoders follow the kernel's layouts (fuse_attr 88 bytes, entry_out 128, dirent 24 +
 * name padded to 8, direntplus entry_out + dirent).
 */
public final class Reply {
  private final ByteBuffer bb;
  private final int capacity;
  private int pos = Proto.OUT_HEADER;

  public Reply(Buf buf) {
    this.bb = buf.bytes();
    this.capacity = buf.capacity();
  }

  /** Bytes written so far, header included. */
  public int length() {
    return pos;
  }

  public int capacity() {
    return capacity;
  }

  /** Drops the body (e.g. to answer an error after a partial encode). */
  public Reply reset() {
    pos = Proto.OUT_HEADER;
    return this;
  }

  public Reply u16(int v) {
    bb.putShort(pos, (short) v);
    pos += 2;
    return this;
  }

  public Reply u32(int v) {
    bb.putInt(pos, v);
    pos += 4;
    return this;
  }

  public Reply u64(long v) {
    bb.putLong(pos, v);
    pos += 8;
    return this;
  }

  public Reply zeros(int n) {
    for (int i = 0; i < n; i++) {
      bb.put(pos + i, (byte) 0);
    }
    pos += n;
    return this;
  }

  public Reply bytes(byte[] b) {
    bb.put(pos, b);
    pos += b.length;
    return this;
  }

  /** A view of up to {@code max} bytes at the cursor, for data written by someone else. */
  public ByteBuffer data(int max) {
    return bb.slice(pos, Math.min(max, capacity - pos));
  }

  /** Moves the cursor past {@code n} bytes written through {@link #data}. */
  public Reply advance(int n) {
    pos += n;
    return this;
  }

  /** Writes fuse_out_header ({@code error} is 0 or a negative errno) and returns the length. */
  public int finish(long unique, int error) {
    int len = error == 0 ? pos : Proto.OUT_HEADER;
    bb.putInt(0, len);
    bb.putInt(4, error);
    bb.putLong(8, unique);
    return len;
  }

  /** fuse_attr. */
  public Reply attr(long ino, Attr a) {
    u64(ino).u64(a.length()).u64((a.length() + 511) / 512);
    u64(Math.floorDiv(a.atime(), 1_000_000_000L)).u64(Math.floorDiv(a.mtime(), 1_000_000_000L)).u64(Math.floorDiv(a.ctime(), 1_000_000_000L));
    u32((int) Math.floorMod(a.atime(), 1_000_000_000L)).u32((int) Math.floorMod(a.mtime(), 1_000_000_000L)).u32((int) Math.floorMod(a.ctime(), 1_000_000_000L));
    return u32(a.stMode()).u32(a.nlink()).u32(a.uid()).u32(a.gid()).u32(a.rdev()).u32(4096).u32(0);
  }

  /** fuse_attr_out. */
  public Reply attrOut(long ttlNanos, long ino, Attr a) {
    return u64(ttlNanos / 1_000_000_000L).u32((int) (ttlNanos % 1_000_000_000L)).u32(0).attr(ino, a);
  }

  /** fuse_entry_out; {@code nodeid} 0 with a null attr is a cached negative entry. */
  public Reply entryOut(long nodeid, long entryTtlNanos, long attrTtlNanos, Attr a) {
    u64(nodeid).u64(0).u64(entryTtlNanos / 1_000_000_000L).u64(attrTtlNanos / 1_000_000_000L);
    u32((int) (entryTtlNanos % 1_000_000_000L)).u32((int) (attrTtlNanos % 1_000_000_000L));
    return a == null ? zeros(Proto.ATTR) : attr(nodeid, a);
  }

  /** fuse_open_out. */
  public Reply openOut(long fh, int openFlags) {
    return openOut(fh, openFlags, 0);
  }

  /** fuse_open_out with a backing id (used with {@link Proto#FOPEN_PASSTHROUGH}). */
  public Reply openOut(long fh, int openFlags, int backingId) {
    return u64(fh).u32(openFlags).u32(backingId);
  }

  private static int align8(int n) {
    return (n + 7) & ~7;
  }

  /** Appends a fuse_dirent if it fits in {@code limit} bytes of body; false otherwise. */
  public boolean dirent(int limit, long ino, long off, int type, byte[] name) {
    int size = align8(Proto.DIRENT_BASE + name.length);
    if (pos - Proto.OUT_HEADER + size > limit || pos + size > capacity) {
      return false;
    }
    u64(ino).u64(off).u32(name.length).u32(type).bytes(name);
    return zeros(size - Proto.DIRENT_BASE - name.length) != null;
  }

  /** Appends a fuse_direntplus if it fits; {@code a} null sends nodeid 0 (no entry). */
  public boolean direntPlus(int limit, long ino, long off, int type, byte[] name, long entryTtl, long attrTtl, Attr a) {
    int size = align8(Proto.ENTRY_OUT + Proto.DIRENT_BASE + name.length);
    if (pos - Proto.OUT_HEADER + size > limit || pos + size > capacity) {
      return false;
    }
    if (a == null) {
      zeros(Proto.ENTRY_OUT);
    } else {
      entryOut(ino, entryTtl, attrTtl, a);
    }
    u64(ino).u64(off).u32(name.length).u32(type).bytes(name);
    return zeros(size - Proto.ENTRY_OUT - Proto.DIRENT_BASE - name.length) != null;
  }
}
