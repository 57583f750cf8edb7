package io.nectarfs.vfs;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.StatFs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The file system at inode level, as the kernel sees it through FUSE: the one interface every
 * front end calls (the FUSE server directly; the gateway, Hadoop and CLI tools through the path
 * API {@code io.nectarfs.fs}).
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>POSIX outcomes are {@link FsException}s (the errno of each method is the one of the
 *       syscall it serves); any other {@link IOException} means EIO.
 *   <li>File handles ({@code fh}) come from {@link #open}, {@link #create} and {@link #opendir}
 *       and stay valid until {@link #release}/{@link #releasedir}; an unknown handle is EBADF.
 *   <li>A client sees its own writes at once; other clients see them after close (close-to-open).
 *       {@link #flush}/{@link #fsync}/{@link #release} return only when written data is durable
 *       (uploaded and committed, or staged with writeback).
 *   <li>Thread-safe: the kernel sends concurrent requests, also on one handle.
 *   <li>Privileges: a write, a truncate (also O_TRUNC) and a chown of a regular file remove its
 *       {@code security.capability}, whoever makes them, and drop setuid, and setgid when the file
 *       is group-executable, when {@code dropSuidGid}: the caller lacks CAP_FSETID (as the FUSE
 *       kernel says with FUSE_WRITE_KILL_SUIDGID, FATTR_KILL_SUIDGID, FUSE_OPEN_KILL_SUIDGID). The
 *       methods without that parameter take it to be "the caller is not root".
 * </ul>
 */
public interface Vfs extends AutoCloseable {
  /** An entry with the handle a create opened. */
  record Opened(Entry entry, long fh) {}

  /**
   * One directory entry of a FUSE-style listing; {@code offset} is the cookie that resumes the
   * listing after this entry. "." and ".." come first.
   */
  record DirEntryAt(String name, long ino, int dtype, Attr attr, long offset) {}

  /** A POSIX byte-range lock: type F_RDLCK (0), F_WRLCK (1) or F_UNLCK (2); end inclusive. */
  record Lock(int type, long start, long end, int pid) {}

  /** Called when cached kernel state must be dropped because another client changed it. */
  interface Invalidator {
    void entry(long parent, String name);

    void inode(long ino, long off, long len);
  }

  Entry lookup(Ctx ctx, long parent, String name) throws IOException;

  Attr getattr(Ctx ctx, long ino) throws IOException;

  /** {@code fh} is 0 unless the kernel names a handle (ftruncate). Drops privileges (see the contract) unless the caller is root. */
  default Attr setattr(Ctx ctx, long ino, long fh, SetAttr req) throws IOException {
    return setattr(ctx, ino, fh, req, !ctx.isRoot());
  }

  /** {@code fh} is 0 unless the kernel names a handle (ftruncate); a truncate or chown drops privileges (see the contract). */
  Attr setattr(Ctx ctx, long ino, long fh, SetAttr req, boolean dropSuidGid) throws IOException;

  String readlink(Ctx ctx, long ino) throws IOException;

  /** {@code mode} is a full st_mode (type bits decide the kind of node). */
  Entry mknod(Ctx ctx, long parent, String name, int mode, int umask, int rdev) throws IOException;

  Entry mkdir(Ctx ctx, long parent, String name, int mode, int umask) throws IOException;

  Entry symlink(Ctx ctx, long parent, String name, String target) throws IOException;

  void unlink(Ctx ctx, long parent, String name) throws IOException;

  void rmdir(Ctx ctx, long parent, String name) throws IOException;

  void rename(Ctx ctx, long parentSrc, String nameSrc, long parentDst, String nameDst, int flags) throws IOException;

  Entry link(Ctx ctx, long ino, long newParent, String newName) throws IOException;

  /** Creates and opens a regular file; {@code flags} are the open(2) flags. EEXIST with O_EXCL. */
  default Opened create(Ctx ctx, long parent, String name, int mode, int umask, int flags) throws IOException {
    return create(ctx, parent, name, mode, umask, flags, !ctx.isRoot());
  }

  /**
   * Creates and opens a regular file; {@code flags} are the open(2) flags. EEXIST with O_EXCL.
   * Opening an existing file with O_TRUNC drops privileges (see the contract).
   */
  Opened create(Ctx ctx, long parent, String name, int mode, int umask, int flags, boolean dropSuidGid) throws IOException;

  /** Opens a file; returns the handle. */
  default long open(Ctx ctx, long ino, int flags) throws IOException {
    return open(ctx, ino, flags, !ctx.isRoot());
  }

  /** Opens a file; returns the handle. O_TRUNC drops privileges (see the contract). */
  long open(Ctx ctx, long ino, int flags, boolean dropSuidGid) throws IOException;

  /**
   * Whether the kernel may keep the pages it cached for {@code ino} when handle {@code fh} was
   * opened: true when nobody else changed the file since this client last saw it (its own writes
   * included), so that close-to-open holds and unchanged files are not read again.
   */
  default boolean keepCache(long ino, long fh) {
    return false;
  }

  /**
   * A local file with the content of an open file, for the kernel to read directly (FUSE
   * passthrough); {@code path} is null when there is none, and {@code fallback} says why (a short
   * metric label such as {@code not-cached}).
   */
  record Backing(java.nio.file.Path path, String fallback) {
    public static Backing none(String why) {
      return new Backing(null, why);
    }
  }

  /**
   * A read-only local file holding exactly the content of file {@code ino} as the read-only
   * handle {@code fh} sees it at its open, assembled from this client's local cache without any
   * object request; only when every byte is cached, nobody in this client has unwritten data of
   * the file, and the cache keeps plain-text blocks. The file never changes: a later change of
   * the file makes a new one for later opens (old ones are deleted when evicted, which the kernel
   * tolerates for files it holds open). The caller opens it at once.
   */
  default Backing backingFile(Ctx ctx, long ino, long fh) throws IOException {
    return Backing.none("unsupported");
  }

  /** Reads bytes at {@code off}: fills {@code dst} unless the end of the file comes first; returns the count (0 at the end). */
  int read(Ctx ctx, long ino, long fh, long off, ByteBuffer dst) throws IOException;

  /** Writes all of {@code src} at {@code off} (O_APPEND handles write at the end); returns the count. */
  default int write(Ctx ctx, long ino, long fh, long off, ByteBuffer src) throws IOException {
    return write(ctx, ino, fh, off, src, !ctx.isRoot());
  }

  /**
   * Writes all of {@code src} at {@code off} (O_APPEND handles write at the end); returns the
   * count. Drops privileges first (see the contract).
   */
  int write(Ctx ctx, long ino, long fh, long off, ByteBuffer src, boolean dropSuidGid) throws IOException;

  /** close(2) of one descriptor: waits for written data; releases the owner's locks. */
  void flush(Ctx ctx, long ino, long fh, long lockOwner) throws IOException;

  /**
   * fsync(2) or fsyncdir: {@code fh} is a file or directory handle. Returns when the written data
   * and every metadata change committed before the call are durable (survive a power loss).
   */
  void fsync(Ctx ctx, long ino, long fh, boolean dataOnly) throws IOException;

  /**
   * Makes every metadata change committed so far durable, as an fsyncdir would, for callers
   * without a handle (the path API after each change). Needs no permission: it reads and changes
   * nothing.
   */
  void sync() throws IOException;

  /** The last close of the handle. */
  void release(Ctx ctx, long ino, long fh) throws IOException;

  long opendir(Ctx ctx, long ino, int flags) throws IOException;

  /**
   * Up to {@code max} entries after cookie {@code offset} (0: from the start). With {@code plus}
   * each entry carries attributes (READDIRPLUS).
   */
  List<DirEntryAt> readdir(Ctx ctx, long ino, long fh, long offset, int max, boolean plus) throws IOException;

  void releasedir(Ctx ctx, long ino, long fh) throws IOException;

  StatFs statfs(Ctx ctx, long ino) throws IOException;

  /** access(2): {@code mask} of R_OK 4, W_OK 2, X_OK 1 (0: existence). EACCES. */
  void access(Ctx ctx, long ino, int mask) throws IOException;

  byte[] getxattr(Ctx ctx, long ino, String name) throws IOException;

  List<String> listxattr(Ctx ctx, long ino) throws IOException;

  void setxattr(Ctx ctx, long ino, String name, byte[] value, int flags) throws IOException;

  void removexattr(Ctx ctx, long ino, String name) throws IOException;

  void fallocate(Ctx ctx, long ino, long fh, int mode, long off, long len) throws IOException;

  long copyFileRange(Ctx ctx, long inoIn, long fhIn, long offIn, long inoOut, long fhOut, long offOut, long len, int flags) throws IOException;

  /** lseek(2) with SEEK_DATA (3) or SEEK_HOLE (4); ENXIO past the end. */
  long lseek(Ctx ctx, long ino, long fh, long off, int whence) throws IOException;

  /** F_GETLK: the first conflicting lock, or one of type F_UNLCK. */
  Lock getlk(Ctx ctx, long ino, long fh, long owner, Lock lock) throws IOException;

  /** F_SETLK / F_SETLKW ({@code wait}): EAGAIN on conflict without wait; EINTR if interrupted. */
  void setlk(Ctx ctx, long ino, long fh, long owner, Lock lock, boolean wait) throws IOException;

  /** flock(2) with LOCK_SH (1), LOCK_EX (2), LOCK_UN (8); EWOULDBLOCK unless {@code wait}. */
  void flock(Ctx ctx, long ino, long fh, long owner, int op, boolean wait) throws IOException;

  /**
   * Up to {@code limit} entries of directory {@code ino} whose names sort after {@code after} (""
   * from the start), each with its attributes, in unsigned byte order of the names (their {@link
   * io.nectarfs.common.Names} encoding); "." and ".." are not listed. A name is a stable cookie:
   * resuming after it works while the directory changes, without an open directory handle. Needs
   * read permission (EACCES); ENOENT, ENOTDIR. The default reads the whole directory through a
   * handle (for implementations without ordered listings).
   */
  default List<io.nectarfs.meta.DirEntry> readdirAfter(Ctx ctx, long ino, String after, int limit) throws IOException {
    long fh = opendir(ctx, ino, 0);
    try {
      List<io.nectarfs.meta.DirEntry> all = new java.util.ArrayList<>();
      long off = 0;
      for (List<DirEntryAt> page; !(page = readdir(ctx, ino, fh, off, 1000, true)).isEmpty(); ) {
        for (DirEntryAt e : page) {
          off = e.offset();
          boolean dots = e.name().equals(".") || e.name().equals("..");
          if (!dots && e.attr() != null && byteOrder(e.name(), after) > 0) {
            all.add(new io.nectarfs.meta.DirEntry(e.name(), e.ino(), e.attr().type(), e.attr()));
          }
        }
      }
      all.sort((a, b) -> byteOrder(a.name(), b.name()));
      return all.subList(0, Math.min(limit, all.size()));
    } finally {
      releasedir(ctx, ino, fh);
    }
  }

  /** Unsigned byte order of two names' encodings: the order of {@link #readdirAfter}. */
  static int byteOrder(String a, String b) {
    return java.util.Arrays.compareUnsigned(io.nectarfs.common.Names.encode(a), io.nectarfs.common.Names.encode(b));
  }

  /** See {@link io.nectarfs.meta.Meta#summary}: the statistics of the tree below directory {@code ino}. */
  default io.nectarfs.meta.DirStats summary(Ctx ctx, long ino) throws IOException {
    throw io.nectarfs.common.Errno.EOPNOTSUPP.exception("summary");
  }

  /** See {@link io.nectarfs.meta.Meta#getQuota}: the quota of directory {@code ino}, or null. */
  default io.nectarfs.meta.Quota getQuota(Ctx ctx, long ino) throws IOException {
    throw io.nectarfs.common.Errno.EOPNOTSUPP.exception("quota");
  }

  /** See {@link io.nectarfs.meta.Meta#setQuota}: root only (EPERM). */
  default io.nectarfs.meta.Quota setQuota(Ctx ctx, long ino, long maxSpace, long maxInodes) throws IOException {
    throw io.nectarfs.common.Errno.EOPNOTSUPP.exception("quota");
  }

  /** See {@link io.nectarfs.meta.Meta#removeQuota}: root only (EPERM). */
  default boolean removeQuota(Ctx ctx, long ino) throws IOException {
    throw io.nectarfs.common.Errno.EOPNOTSUPP.exception("quota");
  }

  /**
   * The mount became read-only or writable again (a remount changes only the kernel's flags):
   * while read-only, opens do not update access times and {@code /.control} takes only warm-ups.
   */
  default void setReadOnly(boolean readOnly) {}

  /**
   * One request to {@code /.control} through its handle {@code fh}, answered at once: the way a
   * front end passes on {@link Control#IOCTL}, which works where the file cannot be opened for
   * writing (a read-only mount). Returns the answer line, at most {@link Control#IOCTL_SIZE}
   * bytes. ENOTTY when {@code fh} is not a handle of the control file.
   */
  default byte[] control(Ctx ctx, long ino, long fh, String request) throws IOException {
    throw io.nectarfs.common.Errno.ENOTTY.exception("ioctl");
  }

  /**
   * Planned handover, step zero: commits every writer's pending data and makes it durable now,
   * while requests go on, so that {@link #exportHandles} (after the requests stopped) commits only
   * what was written meanwhile: the pause programs see is shorter under writes. Writes wait for
   * their file's commit as during a flush.
   */
  default void commitPending() throws IOException {}

  /**
   * Planned handover to a successor (a takeover of the mount), step one: commits every writer's
   * data and makes it durable, then returns every open handle. The caller has stopped every
   * request first (the FUSE server detached) and sends none until {@link #close}. On failure
   * nothing changed and this VFS keeps serving. After it, {@link #close} stops this VFS without
   * ending the metadata session: the opens and locks it holds stay for the successor, which opens
   * the volume resuming {@link HandleTable#sessionId} and calls {@link #importHandles}.
   *
   * @throws io.nectarfs.common.FsException EOPNOTSUPP where handles cannot be handed over
   */
  default HandleTable exportHandles() throws IOException {
    return exportHandles(true);
  }

  /**
   * {@link #exportHandles()}, where {@code durable} false commits every writer's data without
   * making the commits durable: for a successor that owes that sync (its {@link #importHandles}
   * makes its next close or fsync sync every commit so far), so the pause programs see has no
   * disk flush. Nothing that was promised durable depends on it: an fsync or close that returned
   * here synced already.
   */
  default HandleTable exportHandles(boolean durable) throws IOException {
    throw io.nectarfs.common.Errno.EOPNOTSUPP.exception("handle export");
  }

  /**
   * The successor's side of a takeover: continues the handles of {@code table} under their numbers
   * (reads, writes, locks and directory listings on them go on as before). Called once, on a VFS of
   * the same volume whose metadata client resumed the table's session, before any request.
   *
   * @throws io.nectarfs.common.FsException EINVAL when this client's session is not the table's;
   *     EBUSY when this VFS already has open handles; EOPNOTSUPP where handles cannot be taken over
   */
  default void importHandles(HandleTable table) throws IOException {
    throw io.nectarfs.common.Errno.EOPNOTSUPP.exception("handle import");
  }

  /**
   * Where a VFS reports the changes crash recovery needs (a keeper process records them, see
   * docs/takeover.md): which handles are open and which files have written data that is not yet
   * committed. Calls come from request threads, synchronously (an event is on its way before the
   * operation that caused it returns), and must be cheap and must not throw.
   */
  interface HandleEvents {
    /** Handle {@code fh} was opened on {@code ino}: a file with open {@code flags}, or a directory. */
    void opened(long fh, long ino, int flags, boolean dir);

    /** Handle {@code fh} was released. */
    void released(long fh);

    /** {@code ino} has acknowledged writes that are not committed (once per clean-to-dirty change). */
    void dirty(long ino);

    /** {@code ino}'s acknowledged writes are all committed. */
    void clean(long ino);
  }

  /**
   * Reports handle changes to {@code events} from now on (null: no more); the file and directory
   * handles already open are reported as opened at once, and files with uncommitted writes as
   * dirty. Internal files and {@code /.control} are not reported (they do not survive a crash).
   */
  default void setHandleEvents(HandleEvents events) {}

  /**
   * Crash recovery, after {@link #importHandles} of the handles a crashed predecessor of the same
   * session had open: the writes to {@code inodes} it acknowledged and did not commit are lost.
   * The next flush or fsync of each handle of them open for writing fails with EIO, once (as a
   * failed writeback does on a local file system), so no program believes those writes durable.
   */
  default void markLostWrites(java.util.Set<Long> inodes) {}

  /**
   * The request a write serves, bound by the front end around {@link #write} (the FUSE unique
   * id): kept with the write's journal records, see {@link #replayedWrite}.
   */
  ScopedValue<Long> REQUEST = ScopedValue.newInstance();

  /**
   * Crash recovery: whether the write of {@code request} (a {@link #REQUEST} id), which the crashed
   * predecessor took and did not answer and the kernel now sends again, is already in the file:
   * its {@code size} bytes were all replayed from the journal. The front end then answers it
   * without writing again (an append would land twice). Answers true at most once per request.
   */
  default boolean replayedWrite(long request, int size) {
    return false;
  }

  /** The smallest write journal ({@link #useJournal}). */
  long MIN_JOURNAL_SIZE = WriteJournal.MIN_SIZE;

  /**
   * Compiles the write journal's code ahead (on a throwaway file), for a process that may replay a
   * crashed predecessor's journal: a standby, a recovering worker.
   */
  static void warmUpJournal() throws IOException {
    WriteJournal.warmUp();
  }

  /** The largest write journal ({@link #useJournal}). */
  long MAX_JOURNAL_SIZE = WriteJournal.MAX_SIZE;

  /** Releases the memory of a range of a file (fallocate PUNCH_HOLE on Linux). */
  @FunctionalInterface
  interface Punch {
    void punch(long offset, long length) throws IOException;
  }

  /**
   * What {@link #useJournal} replayed after a crash: the files whose journaled writes are now
   * pending writes of this VFS again (committed in the background), the records and bytes, the
   * files whose journaled writes could not be taken (their writes are lost: see {@link
   * #markLostWrites}), and the time reading the journal and taking what it held took.
   */
  record Replayed(java.util.Set<Long> files, long records, long bytes, java.util.Set<Long> failed, long readNanos, long takeNanos) {}

  /**
   * Keeps a write journal in {@code file} from now on (issue #17): every acknowledged write that
   * is not yet committed is in it, so that after a crash of this process the next one commits it
   * ({@code recover}) instead of losing it. The file must outlive this process (a memfd the mount's
   * keeper holds); {@code punch} releases its memory when nothing in it is live. A new journal
   * ({@code recover} false) takes {@code size} bytes and discards what the file held. With {@code
   * recover}, called after {@link #importHandles} and before any request, the journal a crashed
   * predecessor left is continued and its pieces become pending writes again, committed in the
   * background (their records stay live until then, so a crash meanwhile loses nothing either). Writes wait for nothing: when the
   * journal is full a write commits its file's pending data instead.
   *
   * @throws IOException when {@code recover} finds no journal in the file (nothing replayed; the
   *     caller then marks the files with uncommitted writes as lost)
   */
  default Replayed useJournal(java.nio.channels.FileChannel file, long size, boolean recover, Punch punch) throws IOException {
    throw io.nectarfs.common.Errno.EOPNOTSUPP.exception("write journal");
  }

  /** Registers where invalidations go (the FUSE server's notifications). */
  void setInvalidator(Invalidator invalidator);

  /** Flushes everything and ends the session. */
  @Override
  void close() throws IOException;
}
