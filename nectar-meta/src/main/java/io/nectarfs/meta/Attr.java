package io.nectarfs.meta;

/**
 * The attributes of an inode.
 *
 * @param type the inode type
 * @param mode permission bits including setuid (04000), setgid (02000) and sticky (01000)
 * @param uid owner
 * @param gid group
 * @param atime access time, nanoseconds since the epoch
 * @param mtime modification time, nanoseconds since the epoch
 * @param ctime change time, nanoseconds since the epoch
 * @param nlink hard links (directories: 2 + subdirectories)
 * @param length file size in bytes (directories: 4096; symlinks: target length)
 * @param rdev device number of character and block devices
 * @param flags inode flags ({@link #FLAG_IMMUTABLE}, {@link #FLAG_APPEND})
 * @param parent the parent directory for directories and singly-linked inodes, 0 when several
 * @param accessAcl id of the interned access ACL rule (0: none; permissions are the mode bits)
 * @param defaultAcl id of the interned default ACL rule of a directory (0: none)
 */
public record Attr(
    FileType type,
    int mode,
    int uid,
    int gid,
    long atime,
    long mtime,
    long ctime,
    int nlink,
    long length,
    int rdev,
    int flags,
    long parent,
    int accessAcl,
    int defaultAcl) {
  public static final int FLAG_IMMUTABLE = 1;
  public static final int FLAG_APPEND = 2;
  public static final long DIR_SIZE = 4096;

  /** An inode without ACLs. */
  public Attr(FileType type, int mode, int uid, int gid, long atime, long mtime, long ctime, int nlink, long length, int rdev, int flags, long parent) {
    this(type, mode, uid, gid, atime, mtime, ctime, nlink, length, rdev, flags, parent, 0, 0);
  }

  public Attr withAcl(int access, int dflt) {
    return new Attr(type, mode, uid, gid, atime, mtime, ctime, nlink, length, rdev, flags, parent, access, dflt);
  }

  /** The full {@code st_mode}: type bits plus permission bits. */
  public int stMode() {
    return type.ifmt() | (mode & 07777);
  }

  public boolean isDir() {
    return type == FileType.DIR;
  }

  public Attr withMode(int m) {
    return new Attr(type, m & 07777, uid, gid, atime, mtime, ctime, nlink, length, rdev, flags, parent, accessAcl, defaultAcl);
  }

  public Attr withOwner(int u, int g) {
    return new Attr(type, mode, u, g, atime, mtime, ctime, nlink, length, rdev, flags, parent, accessAcl, defaultAcl);
  }

  public Attr withTimes(long a, long m, long c) {
    return new Attr(type, mode, uid, gid, a, m, c, nlink, length, rdev, flags, parent, accessAcl, defaultAcl);
  }

  public Attr withCtime(long c) {
    return new Attr(type, mode, uid, gid, atime, mtime, c, nlink, length, rdev, flags, parent, accessAcl, defaultAcl);
  }

  public Attr withMtimeCtime(long t) {
    return new Attr(type, mode, uid, gid, atime, t, t, nlink, length, rdev, flags, parent, accessAcl, defaultAcl);
  }

  public Attr withNlink(int n) {
    return new Attr(type, mode, uid, gid, atime, mtime, ctime, n, length, rdev, flags, parent, accessAcl, defaultAcl);
  }

  public Attr withLength(long l) {
    return new Attr(type, mode, uid, gid, atime, mtime, ctime, nlink, l, rdev, flags, parent, accessAcl, defaultAcl);
  }

  public Attr withParent(long p) {
    return new Attr(type, mode, uid, gid, atime, mtime, ctime, nlink, length, rdev, flags, p, accessAcl, defaultAcl);
  }

  public Attr withFlags(int f) {
    return new Attr(type, mode, uid, gid, atime, mtime, ctime, nlink, length, rdev, f, parent, accessAcl, defaultAcl);
  }
}
