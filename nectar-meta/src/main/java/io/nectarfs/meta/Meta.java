package io.nectarfs.meta;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.FsException;
import java.io.IOException;
import java.util.List;

/**
 * The POSIX namespace of one volume, as the VFS sees it. One implementation ({@link
 * MetaClient#open}) runs on every engine, so behaviour cannot differ between engines.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Every mutating method is one engine transaction: it either happens completely or not at
 *       all, and is retried on conflicts with other clients.
 *   <li>POSIX outcomes are {@link FsException}s carrying the errno each method lists. Names with
 *       "/" or NUL, or "", give EINVAL; names over 255 bytes ENAMETOOLONG; a missing inode ENOENT;
 *       a non-directory where a directory is needed ENOTDIR.
 *   <li>Engine failures (unreachable server) are plain {@link IOException}s; the front ends map
 *       them to EIO.
 *   <li>Times are nanoseconds since the epoch.
 * </ul>
 */
public interface Meta extends AutoCloseable {
  /** The root inode. */
  long ROOT = 1;
  /** The trash directory ({@code /.trash}). */
  long TRASH = 0x7FFFFFFF10000000L;

  int MAX_NAME = 255;
  int MAX_SYMLINK = 4095;

  int RENAME_NOREPLACE = 1;
  int RENAME_EXCHANGE = 2;

  int XATTR_CREATE = 1;
  int XATTR_REPLACE = 2;

  int FALLOC_KEEP_SIZE = 1;
  int FALLOC_PUNCH_HOLE = 2;
  int FALLOC_ZERO_RANGE = 0x10;

  /** Lock types of {@link #flock}, {@link #getlk} and {@link #setlk} (Linux values). */
  int F_RDLCK = 0;
  int F_WRLCK = 1;
  int F_UNLCK = 2;

  /** Masks of {@link #access}. */
  int R_OK = 4;
  int W_OK = 2;
  int X_OK = 1;
  int F_OK = 0;

  /** The volume's format record. */
  Format format();

  /** The metadata engine and its address, secrets redacted, e.g. {@code redis://:****@host:6379/1}. */
  String describe();

  /** The id of this client's session (0 for read-only clients). */
  long sessionId();

  /** Looks up {@code name} in {@code parent}. ENOENT, ENOTDIR, EACCES (no search permission). */
  Entry lookup(Ctx ctx, long parent, String name) throws IOException;

  /** The attributes of {@code ino}. ENOENT. */
  Attr getattr(Ctx ctx, long ino) throws IOException;

  /**
   * Changes attributes as Linux does: chmod by owner or root (EPERM), setgid cleared when the
   * caller is not in the file's group; chown of uid by root only, of gid by the owner to one of
   * its groups (EPERM), clearing setuid and (with group-exec) setgid of non-directories; times by
   * owner or root, "now" also by a writer (EACCES); size needs write permission (EACCES), EISDIR
   * on directories, EFBIG beyond the maximum size. ctime is updated.
   */
  Attr setattr(Ctx ctx, long ino, SetAttr req) throws IOException;

  /**
   * Creates a regular file, FIFO, socket or device node. EEXIST, EACCES, ENOSPC/EDQUOT (limits),
   * EPERM (devices by non-root), EINVAL (directories or symlinks: use mkdir/symlink).
   */
  Entry mknod(Ctx ctx, long parent, String name, FileType type, int mode, int umask, int rdev) throws IOException;

  /** Creates a directory. EEXIST, EACCES, EMLINK (parent has too many links). */
  Entry mkdir(Ctx ctx, long parent, String name, int mode, int umask) throws IOException;

  /**
   * Creates a symbolic link. ENAMETOOLONG when the target exceeds 4095 bytes; ENOENT when the
   * target is empty (as Linux answers {@code symlink("", path)}).
   */
  Entry symlink(Ctx ctx, long parent, String name, String target) throws IOException;

  /** The target of a symbolic link. EINVAL when {@code ino} is not one. */
  String readlink(Ctx ctx, long ino) throws IOException;

  /** Removes a non-directory entry. EISDIR, EPERM (sticky directory), EACCES. */
  void unlink(Ctx ctx, long parent, String name) throws IOException;

  /**
   * Removes the non-directory entries {@code names} of {@code parent} as {@link #unlink} does, in
   * one transaction: all or none; the failure names its entry (EISDIR for a directory, ENOENT, EPERM,
   * EACCES). For bulk removal ({@code nectar rmr}): one round trip and one update of the directory
   * for many entries.
   */
  default void unlinkAll(Ctx ctx, long parent, List<String> names) throws IOException {
    for (String name : names) {
      unlink(ctx, parent, name);
    }
  }

  /** Removes an empty directory. ENOTEMPTY, ENOTDIR, EBUSY (root), EINVAL ("."). */
  void rmdir(Ctx ctx, long parent, String name) throws IOException;

  /**
   * Renames atomically. Flags {@link #RENAME_NOREPLACE} (EEXIST if the target exists) and {@link
   * #RENAME_EXCHANGE} (ENOENT if it doesn't). Over an existing target: a directory only over an
   * empty directory (ENOTEMPTY, else EISDIR/ENOTDIR). A directory into its own subtree: EINVAL.
   */
  void rename(Ctx ctx, long parentSrc, String nameSrc, long parentDst, String nameDst, int flags) throws IOException;

  /** Adds a hard link. EPERM for directories, EEXIST, EMLINK. */
  Entry link(Ctx ctx, long ino, long newParent, String newName) throws IOException;

  /**
   * Up to {@code limit} entries of directory {@code ino} whose names sort after {@code after}
   * ("" from the start), in name order; with {@code plus} each carries its attributes. A name is a
   * stable cookie: resuming after it works while the directory changes. ENOTDIR, EACCES.
   */
  List<DirEntry> readdir(Ctx ctx, long ino, String after, int limit, boolean plus) throws IOException;

  /**
   * Space and inode totals of the volume, or of the nearest directory quota at or above {@code
   * ino} (what {@code df} shows for a subdirectory mounted with a quota).
   */
  StatFs statfs(Ctx ctx, long ino) throws IOException;

  /**
   * Opens a file or a directory: checks permission for the access mode in {@code flags} (EACCES;
   * execute, not read, for the open of execve, whose flags carry __FMODE_EXEC 040), EISDIR for
   * writing a directory, and registers the open so an unlink, rmdir or rename over it keeps the
   * inode alive (nlink 0) until {@link #close}. O_TRUNC is the caller's business (setattr).
   */
  Attr open(Ctx ctx, long ino, int flags) throws IOException;

  /**
   * Registers one open, as {@link #open} does, of the regular file that this client's {@link
   * #mknod} just created, without a check or a transaction: its creator may use it whatever its
   * mode (open(2) with O_CREAT). Ended by {@link #close} like any open.
   */
  void openCreated(long ino);

  /**
   * Sets the access time of {@code ino} to {@code atimeNanos} if it is older, as reading does:
   * no permission check, ctime unchanged. Does nothing on a read-only client or a gone inode.
   */
  void touchAtime(long ino, long atimeNanos) throws IOException;

  /** Ends one open of {@code ino}; the last close of an unlinked file frees it. */
  void close(Ctx ctx, long ino) throws IOException;

  /** The slices of chunk {@code index} of file {@code ino}, in write order. */
  List<Slice> read(Ctx ctx, long ino, int index) throws IOException;

  /** A new globally unique slice id (allocated in batches). */
  long newSliceId() throws IOException;

  /**
   * Appends a slice to chunk {@code index}, extending the file if it ends beyond the length, and
   * sets mtime/ctime. ENOENT (deleted meanwhile), ENOSPC/EDQUOT, EFBIG. Returns the chunk's slice
   * records and the file's length after the commit.
   */
  Committed write(Ctx ctx, long ino, int index, Slice slice, long mtime) throws IOException;

  /**
   * {@link #write(Ctx, long, int, Slice, long)} of several slices of chunk {@code index} in one
   * transaction, in list order (a later slice wins where they overlap): all of them or none. For
   * a flush of many small pending writes (random writes), which would otherwise cost a transaction
   * each. The list must not be empty. Returns what the commit left, as {@link #write} does.
   */
  Committed writeSlices(Ctx ctx, long ino, int index, java.util.List<Slice> slices, long mtime) throws IOException;

  /**
   * {@link #write} of an inline slice ({@link Slice#inline()}, with {@code slice.off() == 0} and
   * {@code slice.len() == slice.size()}): its {@code stored} bytes (as the object store stack
   * would store them) go into the metadata in the same transaction as the slice record. Only on a
   * volume whose {@link Format#inlineSize()} is above 0 (else EINVAL), for a slice of at most
   * that size. Returns {@link Committed#NOT_INLINED}, changing nothing, when the file would then
   * be longer than the inline size (the caller stores the slice as usual), else what the commit
   * left (as {@link #write}). The stored bytes are deleted with the last record that refers to the
   * slice.
   */
  Committed writeInline(Ctx ctx, long ino, int index, Slice slice, byte[] stored, long mtime) throws IOException;

  /**
   * The stored bytes of inline slice {@code id} (see {@link #writeInline}); EIO when the
   * metadata has none (the slice was freed: a reader that raced with a truncate or unlink).
   */
  byte[] readInline(Ctx ctx, long id) throws IOException;

  /**
   * O_APPEND: places bytes {@code [0, len)} of the stored slice {@code id} (whose size is {@code
   * len}) at the file's end as of this transaction, extends the length and sets mtime/ctime;
   * returns the offset the bytes were placed at. Concurrent appends of any clients never overlap:
   * each lands whole, after the others. A placement crossing a chunk boundary is recorded in both
   * chunks (the slice then has two references). EINVAL ({@code len} not in 1..chunk size),
   * ENOENT, EISDIR, ENOSPC/EDQUOT, EFBIG.
   */
  long append(Ctx ctx, long ino, long id, int len, long mtime) throws IOException;

  /**
   * Replaces the slice list of chunk {@code index} by {@code replacement} if the list still equals
   * {@code expected} (compaction: the replacement holds the chunk's visible bytes as one slice).
   * The expected records are released. Returns false, changing nothing, when the chunk changed
   * meanwhile; the caller then deletes the replacement's objects.
   */
  boolean compact(Ctx ctx, long ino, int index, List<Slice> expected, Slice replacement) throws IOException;

  /**
   * Allocates or punches space: {@link #FALLOC_KEEP_SIZE}, {@link #FALLOC_PUNCH_HOLE} (needs
   * KEEP_SIZE), {@link #FALLOC_ZERO_RANGE}. EINVAL, EOPNOTSUPP for other modes, EISDIR.
   */
  void fallocate(Ctx ctx, long ino, int mode, long off, long len) throws IOException;

  /**
   * Copies {@code len} bytes by sharing slices (no data moves); returns the bytes copied (short at
   * the end of the source). EINVAL for overlapping ranges of one file, EISDIR.
   */
  long copyFileRange(Ctx ctx, long inoIn, long offIn, long inoOut, long offOut, long len) throws IOException;

  /**
   * Creates {@code newName} in {@code newParent} as a copy of regular file {@code ino} that shares
   * all its slices (no data is copied; later writes to either file diverge). The copy belongs to
   * the caller. EEXIST, EISDIR/EINVAL for non-files, EACCES (read on the source, write on the
   * parent), ENOSPC.
   */
  Entry clone(Ctx ctx, long ino, long newParent, String newName) throws IOException;

  /** An extended attribute's value. ENODATA. */
  byte[] getxattr(Ctx ctx, long ino, String name) throws IOException;

  /** Names of the extended attributes. */
  List<String> listxattr(Ctx ctx, long ino) throws IOException;

  /** Sets an extended attribute: {@link #XATTR_CREATE} (EEXIST), {@link #XATTR_REPLACE} (ENODATA). */
  void setxattr(Ctx ctx, long ino, String name, byte[] value, int flags) throws IOException;

  /** Removes an extended attribute. ENODATA. */
  void removexattr(Ctx ctx, long ino, String name) throws IOException;

  /**
   * access(2): whether the caller may access {@code ino} for {@code mask} (bits of {@link #R_OK},
   * {@link #W_OK}, {@link #X_OK}; {@link #F_OK} only checks existence), by mode bits or POSIX ACL,
   * with supplementary groups; root may do anything but execute a file with no execute bit.
   * EACCES, ENOENT.
   */
  void access(Ctx ctx, long ino, int mask) throws IOException;

  /**
   * BSD flock by {@code owner} (an id chosen by the caller, e.g. the open file) of this session:
   * {@link #F_RDLCK} shared, {@link #F_WRLCK} exclusive, {@link #F_UNLCK} release. A conflicting lock
   * of another owner (in any client) gives EAGAIN, or with {@code wait} blocks until released; a
   * blocked wait ends with EINTR when the thread is interrupted.
   */
  void flock(Ctx ctx, long ino, long owner, int type, boolean wait) throws IOException;

  /**
   * F_GETLK: the first lock of another owner that conflicts with {@code type} on bytes {@code
   * [start, end]} (end inclusive, {@link Long#MAX_VALUE} for "to the end"), with its holder's pid;
   * {@link PosixLock#NONE} when none does. EINVAL for a bad range or type.
   */
  PosixLock getlk(Ctx ctx, long ino, long owner, int type, long start, long end, int pid) throws IOException;

  /**
   * F_SETLK / F_SETLKW: sets {@code [start, end]} of {@code owner}'s POSIX locks to {@code type}
   * (F_UNLCK unlocks a subrange; ranges split and merge). EAGAIN on conflict without {@code wait};
   * EINTR when a blocked wait is interrupted.
   */
  void setlk(Ctx ctx, long ino, long owner, int type, long start, long end, int pid, boolean wait) throws IOException;

  /** Releases every flock and POSIX lock of {@code owner} on {@code ino} (flush / release). */
  void releaseLocks(Ctx ctx, long ino, long owner) throws IOException;

  /**
   * Files, directories and space below directory {@code dir} (not counting {@code dir} itself),
   * from the directory statistics kept with every change (no file is read; see {@link
   * MetaAdmin#summary} for the consistency of the read). The caller needs read and search
   * permission on {@code dir} (EACCES); subdirectories are not checked, the figures are aggregates.
   * ENOENT, ENOTDIR.
   */
  default DirStats summary(Ctx ctx, long dir) throws IOException {
    throw io.nectarfs.common.Errno.EOPNOTSUPP.exception("summary");
  }

  /** The quota of directory {@code dir} with its usage, or null when it has none. ENOENT, ENOTDIR. */
  default Quota getQuota(Ctx ctx, long dir) throws IOException {
    throw io.nectarfs.common.Errno.EOPNOTSUPP.exception("quota");
  }

  /**
   * Sets or changes the quota of directory {@code dir} (0: no limit); a new quota's usage comes
   * from a scan of the tree. Root only (EPERM); EROFS, ENOENT, ENOTDIR, EINVAL (negative limits).
   */
  default Quota setQuota(Ctx ctx, long dir, long maxSpace, long maxInodes) throws IOException {
    throw io.nectarfs.common.Errno.EOPNOTSUPP.exception("quota");
  }

  /** Removes the quota of {@code dir}; false when it had none. Root only (EPERM); EROFS. */
  default boolean removeQuota(Ctx ctx, long dir) throws IOException {
    throw io.nectarfs.common.Errno.EOPNOTSUPP.exception("quota");
  }

  /** Live sessions of the volume. */
  List<SessionInfo> sessions() throws IOException;

  /**
   * Makes every change this client committed so far durable: it survives a crash of the
   * operating system or a power loss, not only of the process. A no-op on engines that make each
   * commit durable before it returns; on SQLite with {@code synchronous=normal} (the default) one
   * fsync of the WAL, shared by concurrent callers. The VFS calls it where POSIX or its own
   * contract promises durability (fsync, fsyncdir, O_SYNC writes, flush and close of written
   * files); the slice deletion job calls it before deleting objects.
   */
  void sync() throws IOException;

  /**
   * Registers the listener that deletes the objects of freed slices (the data layer's chunk
   * store). Freed slices wait in the volume's durable deletion queue: without a listener this
   * client never takes the deletion job, so nothing leaves the queue; a slice leaves it only after
   * the listener returned normally for it. Registering again replaces the listener.
   */
  void onSliceFreed(SliceDeleter listener);

  /**
   * Runs pending background work now (deleting freed data, cleaning stale sessions, expiring
   * trash); normally a background thread does this.
   */
  void runBackgroundJobs() throws IOException;

  /** Ends the session: flushes counters, frees open-unlinked files, deregisters. */
  @Override
  void close() throws IOException;

  /**
   * Closes this client without ending its session, for a successor (a takeover of the mount) that
   * opens with {@link MetaConfig#withResumeSession} and this id: the session record, its
   * open-but-unlinked files, removed open directories and locks stay; nothing is released. The
   * session is no longer refreshed, so the successor must resume it before it expires (5
   * heartbeats), or another client cleans it as a crashed one. The caller has stopped every
   * operation; afterwards only {@link #close} (then a no-op) may be called.
   *
   * @return the session id to resume
   * @throws io.nectarfs.common.FsException EROFS for a read-only client (it has no session),
   *     EOPNOTSUPP where the client cannot hand over
   */
  default long handOver() throws IOException {
    throw io.nectarfs.common.Errno.EOPNOTSUPP.exception("session handover");
  }
}
