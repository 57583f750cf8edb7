package io.nectarfs.meta;

/**
 * A setattr request: which fields to change ({@code valid}, the FUSE FATTR bits) and their values.
 *
 * @param valid bit set of {@link #MODE}, {@link #UID}, {@link #GID}, {@link #SIZE}, {@link #ATIME},
 *     {@link #MTIME}, {@link #ATIME_NOW}, {@link #MTIME_NOW}, {@link #CTIME}
 * @param viaHandle the change comes through an open file handle (ftruncate: no permission check
 *     on size beyond the handle's open mode)
 */
public record SetAttr(int valid, int mode, int uid, int gid, long size, long atime, long mtime, long ctime, boolean viaHandle) {
  public static final int MODE = 1;
  public static final int UID = 2;
  public static final int GID = 4;
  public static final int SIZE = 8;
  public static final int ATIME = 16;
  public static final int MTIME = 32;
  public static final int ATIME_NOW = 128;
  public static final int MTIME_NOW = 256;
  public static final int CTIME = 1024;

  public boolean has(int bit) {
    return (valid & bit) != 0;
  }

  public static SetAttr chmod(int mode) {
    return new SetAttr(MODE, mode, 0, 0, 0, 0, 0, 0, false);
  }

  public static SetAttr chown(int uid, int gid) {
    int v = (uid >= 0 ? UID : 0) | (gid >= 0 ? GID : 0);
    return new SetAttr(v, 0, uid, gid, 0, 0, 0, 0, false);
  }

  public static SetAttr truncate(long size) {
    return new SetAttr(SIZE, 0, 0, 0, size, 0, 0, 0, false);
  }

  public static SetAttr utimes(long atimeNanos, long mtimeNanos) {
    return new SetAttr(ATIME | MTIME, 0, 0, 0, 0, atimeNanos, mtimeNanos, 0, false);
  }

  public static SetAttr touchNow() {
    return new SetAttr(ATIME_NOW | MTIME_NOW, 0, 0, 0, 0, 0, 0, 0, false);
  }
}
