package io.nectarfs.fuse;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Names;
import io.nectarfs.common.OpenFlags;
import io.nectarfs.fuse.linux.LibC;
import io.nectarfs.fuse.wire.InitState;
import io.nectarfs.fuse.wire.OpTable.Dispatch;
import io.nectarfs.fuse.wire.OpTable;
import io.nectarfs.fuse.wire.Opcode;
import io.nectarfs.fuse.wire.Proto;
import io.nectarfs.fuse.wire.Reply;
import io.nectarfs.fuse.wire.Request;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.StatFs;
import io.nectarfs.vfs.Control;
import io.nectarfs.vfs.Vfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The FUSE opcodes on top of {@link Vfs}: each handler decodes its request struct, calls the Vfs
 * and encodes the reply struct (go-fuse's {@code doX} functions). Handlers read all request
 * fields before writing the reply, which goes into the same buffer.
 */
final class VfsBridge {
  private static final int[] NO_GIDS = new int[0];
  private static final int SETATTR_BITS = SetAttr.MODE | SetAttr.UID | SetAttr.GID | SetAttr.SIZE | SetAttr.ATIME
      | SetAttr.MTIME | SetAttr.ATIME_NOW | SetAttr.MTIME_NOW | SetAttr.CTIME;
  private static final int LOCK_SH = 1;
  private static final int LOCK_EX = 2;
  private static final int LOCK_UN = 8;
  private static final int F_RDLCK = 0;
  private static final int F_WRLCK = 1;
  private static final int F_UNLCK = 2;

  private final Vfs vfs;
  private final MountOptions o;
  private final Supplier<InitState> init;
  private final BooleanSupplier readOnly;
  private final long attrTtl;
  private final long entryTtl;
  private final long negativeTtl;
  private final int openFlags;
  /**
   * O_DIRECT opens bypass the kernel page cache: every read and write reaches the VFS. So do
   * writable O_APPEND opens: the VFS, not the kernel, decides where an append lands (at the end
   * as the metadata sees it when committing), so the kernel must not cache the bytes at the
   * offset it guessed from a length that other clients may have moved.
   */
  private static int directIo(int openFlags) {
    boolean appending = OpenFlags.has(openFlags, OpenFlags.O_APPEND) && OpenFlags.writable(openFlags);
    return OpenFlags.has(openFlags, OpenFlags.O_DIRECT) || appending ? Proto.FOPEN_DIRECT_IO : 0;
  }

  /** Inodes from here up are the VFS's internal files. */
  private static final long INTERNAL_INODES = 0x7FFFFFFF00000000L;

  private final Passthrough passthrough;

  /** {@code readOnly} says whether the mount is read-only now (remounts change it). */
  VfsBridge(Vfs vfs, MountOptions o, Supplier<InitState> init, BooleanSupplier readOnly, Passthrough passthrough) {
    this.vfs = vfs;
    this.passthrough = passthrough;
    this.o = o;
    this.init = init;
    this.readOnly = readOnly;
    this.attrTtl = o.attrTimeout().toNanos();
    this.entryTtl = o.entryTimeout().toNanos();
    this.negativeTtl = o.negativeTimeout().toNanos();
    this.openFlags = (o.directIo() ? Proto.FOPEN_DIRECT_IO : 0) | (o.keepCache() ? Proto.FOPEN_KEEP_CACHE : 0);
  }

  /** Fills the Vfs rows of {@code t} (server-level rows such as INIT are added by the server). */
  void register(OpTable t) {
    Dispatch a = Dispatch.ASYNC;
    t.on(Opcode.LOOKUP, 2, a, this::lookup)
        .on(Opcode.GETATTR, 0, a, this::getattr)
        .on(Opcode.SETATTR, 88, a, this::setattr)
        .on(Opcode.READLINK, 0, a, this::readlink)
        .on(Opcode.SYMLINK, 4, a, this::symlink)
        .on(Opcode.MKNOD, 16, a, this::mknod)
        .on(Opcode.MKDIR, 8, a, this::mkdir)
        .on(Opcode.UNLINK, 2, a, this::unlink)
        .on(Opcode.RMDIR, 2, a, this::rmdir)
        .on(Opcode.RENAME, 8, a, this::rename)
        .on(Opcode.RENAME2, 16, a, this::rename2)
        .on(Opcode.LINK, 8, a, this::link)
        .on(Opcode.OPEN, 8, a, this::open)
        .on(Opcode.READ, 40, a, this::read)
        .on(Opcode.WRITE, 40, a, this::write)
        .on(Opcode.STATFS, 0, a, this::statfs)
        .on(Opcode.RELEASE, 24, a, this::release)
        .on(Opcode.FSYNC, 16, a, this::fsync)
        .on(Opcode.SETXATTR, Proto.setxattrInSize(), a, this::setxattr)
        .on(Opcode.GETXATTR, 8, a, this::getxattr)
        .on(Opcode.LISTXATTR, 8, a, this::listxattr)
        .on(Opcode.REMOVEXATTR, 2, a, this::removexattr)
        .on(Opcode.FLUSH, 24, a, this::flush)
        .on(Opcode.OPENDIR, 8, a, this::opendir)
        .on(Opcode.READDIR, 40, a, (r, out) -> readdir(r, out, false))
        .on(Opcode.READDIRPLUS, 40, a, (r, out) -> readdir(r, out, true))
        .on(Opcode.RELEASEDIR, 24, a, this::releasedir)
        .on(Opcode.FSYNCDIR, 16, a, this::fsync) // (same body; the Vfs takes directory handles)
        .on(Opcode.GETLK, 48, a, this::getlk)
        .on(Opcode.SETLK, 48, a, (r, out) -> setlk(r, false))
        .on(Opcode.SETLKW, 48, Dispatch.BLOCKING, (r, out) -> setlk(r, true))
        .on(Opcode.ACCESS, 8, a, this::access)
        .on(Opcode.CREATE, 16, a, this::create)
        .on(Opcode.FALLOCATE, 32, a, this::fallocate)
        .on(Opcode.LSEEK, 24, a, this::lseek)
        .on(Opcode.COPY_FILE_RANGE, 56, a, this::copyFileRange)
        .on(Opcode.IOCTL, 32, Dispatch.BLOCKING, this::ioctl); // a warm-up takes as long as the file needs
  }

  private final Groups groups = new Groups();

  /**
   * The caller: uid, gid and pid from the request; supplementary groups from /proc (root needs
   * none); the request's cancellation token, which a FUSE_INTERRUPT cancels.
   */
  private Ctx ctx(Request r) {
    return new Ctx(r.uid, r.gid, r.uid == 0 ? NO_GIDS : groups.of(r.pid), r.pid, r.cancellation(), null);
  }

  private void writable() throws FsException {
    if (o.readOnly() || readOnly.getAsBoolean()) {
      throw Errno.EROFS.exception("read-only mount");
    }
  }

  private void entry(Reply out, Entry e) {
    out.entryOut(e.ino(), entryTtl, attrTtl, e.attr());
  }

  private void lookup(Request r, Reply out) throws IOException {
    String name = r.name();
    try {
      entry(out, vfs.lookup(ctx(r), r.nodeid, name));
    } catch (FsException e) {
      if (e.errno() != Errno.ENOENT || negativeTtl <= 0) {
        throw e;
      }
      out.entryOut(0, negativeTtl, 0, null);
    }
  }

  private void getattr(Request r, Reply out) throws IOException {
    Attr a = vfs.getattr(ctx(r), r.nodeid);
    out.attrOut(attrTtl, r.nodeid, a);
  }

  private void setattr(Request r, Reply out) throws IOException {
    int valid = r.u32();
    r.skip(4);
    long fh = r.u64();
    long size = r.u64();
    r.skip(8); // lock_owner
    long atime = r.u64();
    long mtime = r.u64();
    long ctime = r.u64();
    long atimens = r.u32() & 0xffffffffL;
    long mtimens = r.u32() & 0xffffffffL;
    long ctimens = r.u32() & 0xffffffffL;
    int mode = r.u32();
    r.skip(4);
    int uid = r.u32();
    int gid = r.u32();
    writable();
    boolean viaHandle = (valid & Proto.FATTR_FH) != 0;
    SetAttr req = new SetAttr(valid & SETATTR_BITS, mode & 07777, uid, gid, size, atime * 1_000_000_000L + atimens,
        mtime * 1_000_000_000L + mtimens, ctime * 1_000_000_000L + ctimens, viaHandle);
    Attr a = vfs.setattr(ctx(r), r.nodeid, viaHandle ? fh : 0, req, (valid & Proto.FATTR_KILL_SUIDGID) != 0);
    out.attrOut(attrTtl, r.nodeid, a);
  }

  private void readlink(Request r, Reply out) throws IOException {
    out.bytes(Names.encode(vfs.readlink(ctx(r), r.nodeid)));
  }

  private void symlink(Request r, Reply out) throws IOException {
    String name = r.name();
    String target = r.name();
    writable();
    entry(out, vfs.symlink(ctx(r), r.nodeid, name, target));
  }

  private void mknod(Request r, Reply out) throws IOException {
    int mode = r.u32();
    int rdev = r.u32();
    int umask = r.u32();
    r.skip(4);
    String name = r.name();
    writable();
    entry(out, vfs.mknod(ctx(r), r.nodeid, name, mode, umask, rdev));
  }

  private void mkdir(Request r, Reply out) throws IOException {
    int mode = r.u32();
    int umask = r.u32();
    String name = r.name();
    writable();
    entry(out, vfs.mkdir(ctx(r), r.nodeid, name, mode & 07777, umask));
  }

  private void unlink(Request r, Reply out) throws IOException {
    String name = r.name();
    writable();
    vfs.unlink(ctx(r), r.nodeid, name);
  }

  private void rmdir(Request r, Reply out) throws IOException {
    String name = r.name();
    writable();
    vfs.rmdir(ctx(r), r.nodeid, name);
  }

  private void rename(Request r, Reply out) throws IOException {
    long newdir = r.u64();
    String from = r.name();
    String to = r.name();
    writable();
    vfs.rename(ctx(r), r.nodeid, from, newdir, to, 0);
  }

  private void rename2(Request r, Reply out) throws IOException {
    long newdir = r.u64();
    int flags = r.u32();
    r.skip(4);
    String from = r.name();
    String to = r.name();
    writable();
    vfs.rename(ctx(r), r.nodeid, from, newdir, to, flags);
  }

  private void link(Request r, Reply out) throws IOException {
    long old = r.u64();
    String name = r.name();
    writable();
    entry(out, vfs.link(ctx(r), old, r.nodeid, name));
  }

  private void open(Request r, Reply out) throws IOException {
    int flags = r.u32();
    int kernelOpenFlags = r.u32(); // fuse_open_in.open_flags (this.openFlags are the FOPEN_* of the reply)
    if (OpenFlags.writable(flags) || OpenFlags.has(flags, OpenFlags.O_TRUNC)) {
      writable();
    }
    Ctx ctx = ctx(r);
    long fh = vfs.open(ctx, r.nodeid, flags, (kernelOpenFlags & Proto.OPEN_KILL_SUIDGID) != 0);
    // Internal files (/.stats, /.config) change between reads: no page cache for them. Other
    // files keep the kernel's pages only if nobody else changed the file since (close-to-open).
    int base = openFlags & ~Proto.FOPEN_KEEP_CACHE;
    if (r.nodeid >= INTERNAL_INODES) {
      r.ifAbandoned(() -> vfs.release(ctx.uncancellable(), r.nodeid, fh));
      out.openOut(fh, base | Proto.FOPEN_DIRECT_IO);
      return;
    }
    Passthrough.Decision d = decide(ctx, r.nodeid, fh, flags);
    r.ifAbandoned(() -> release(ctx.uncancellable(), r.nodeid, fh));
    if (d.backingId() > 0) {
      out.openOut(fh, d.openFlags(), d.backingId());
      return;
    }
    int keep = o.keepCache() && vfs.keepCache(r.nodeid, fh) ? Proto.FOPEN_KEEP_CACHE : 0;
    out.openOut(fh, base | keep | directIo(flags));
  }

  /** The passthrough decision for a new handle; a refused open (ETXTBSY) releases it. */
  private Passthrough.Decision decide(Ctx ctx, long ino, long fh, int flags) throws IOException {
    boolean writable = OpenFlags.writable(flags) || OpenFlags.has(flags, OpenFlags.O_TRUNC);
    try {
      return passthrough.opened(vfs, ctx, ino, fh, writable, OpenFlags.has(flags, OpenFlags.O_DIRECT));
    } catch (IOException | RuntimeException e) {
      vfs.release(ctx.uncancellable(), ino, fh);
      throw e;
    }
  }

  private void release(Ctx ctx, long ino, long fh) throws IOException {
    passthrough.released(ino, fh);
    vfs.release(ctx, ino, fh);
  }

  private void read(Request r, Reply out) throws IOException {
    long fh = r.u64();
    long off = r.u64();
    int size = r.u32();
    ByteBuffer dst = out.data(size);
    Ctx ctx = ctx(r);
    // a short read means end of file to the kernel: fill the buffer unless the Vfs says EOF.
    // Internal files answer once: a stream (/.accesslog) returns what it has and must not be
    // asked again until the kernel wants more (it would wait for the next line).
    boolean stream = r.nodeid >= INTERNAL_INODES;
    while (dst.hasRemaining()) {
      int n = vfs.read(ctx, r.nodeid, fh, off + dst.position(), dst);
      if (n <= 0 || stream) {
        break;
      }
    }
    out.advance(dst.position());
  }

  private void write(Request r, Reply out) throws IOException {
    long fh = r.u64();
    long off = r.u64();
    int size = r.u32();
    int writeFlags = r.u32();
    r.skip(16);
    writable();
    ByteBuffer src = r.slice(size);
    // The VFS drops the privileges (Vfs contract): setuid/setgid when the kernel says the writer
    // lacks CAP_FSETID (it says so on direct-I/O writes always, on page-cache writes with
    // HANDLE_KILLPRIV_V2; writeback-cache writes carry no writer and never ask).
    if ((r.unique & Proto.UNIQUE_RESEND) != 0 && vfs.replayedWrite(r.unique & ~Proto.UNIQUE_RESEND, size)) {
      out.u32(size).u32(0); // the crashed server had journaled it all; the journal's replay wrote it
      return;
    }
    int n = ScopedValue.where(Vfs.REQUEST, r.unique & ~Proto.UNIQUE_RESEND)
        .call(() -> vfs.write(ctx(r), r.nodeid, fh, off, src, (writeFlags & Proto.WRITE_KILL_SUIDGID) != 0));
    out.u32(n).u32(0);
  }

  /**
   * FUSE_IOCTL: only {@link Control#IOCTL} on {@code /.control} (a request line in, the answer line
   * out, in one buffer of {@link Control#IOCTL_SIZE}); every other command ENOTTY, as a file system
   * without ioctls answers.
   */
  private void ioctl(Request r, Reply out) throws IOException {
    long fh = r.u64();
    int flags = r.u32();
    int cmd = r.u32();
    r.skip(8); // arg: the caller's pointer; a restricted ioctl's buffer comes as the input below
    int inSize = r.u32();
    int outSize = r.u32();
    if (cmd != Control.IOCTL || (flags & Proto.IOCTL_UNRESTRICTED) != 0 || inSize != Control.IOCTL_SIZE || outSize != Control.IOCTL_SIZE) {
      throw Errno.ENOTTY.exception("ioctl " + Integer.toHexString(cmd));
    }
    byte[] in = r.bytes(inSize);
    int end = 0;
    while (end < in.length && in[end] != 0) {
      end++;
    }
    byte[] answer = vfs.control(ctx(r), r.nodeid, fh, new String(in, 0, end, java.nio.charset.StandardCharsets.UTF_8));
    out.u32(0).u32(0).u32(0).u32(0).bytes(answer); // fuse_ioctl_out: result, flags, in_iovs, out_iovs
  }

  private void statfs(Request r, Reply out) throws IOException {
    StatFs s = vfs.statfs(ctx(r), r.nodeid);
    long bsize = 4096;
    long blocks = Math.max(0, s.totalSpace()) / bsize;
    long free = Math.max(0, s.availSpace()) / bsize;
    long files = Math.max(0, s.usedInodes()) + Math.max(0, s.availInodes());
    out.u64(blocks).u64(free).u64(free).u64(files).u64(Math.max(0, s.availInodes()));
    out.u32((int) bsize).u32(255).u32((int) bsize).u32(0).zeros(24);
  }

  private void release(Request r, Reply out) throws IOException {
    long fh = r.u64();
    r.skip(4);
    int releaseFlags = r.u32();
    long owner = r.u64();
    Ctx ctx = ctx(r);
    if ((releaseFlags & Proto.RELEASE_FLOCK_UNLOCK) != 0) {
      try {
        vfs.flock(ctx, r.nodeid, fh, owner, LOCK_UN, false);
      } catch (FsException ignored) {
        // the handle goes away anyway
      }
    }
    release(ctx, r.nodeid, fh);
  }

  private void fsync(Request r, Reply out) throws IOException {
    long fh = r.u64();
    int flags = r.u32();
    vfs.fsync(ctx(r), r.nodeid, fh, (flags & Proto.FSYNC_FDATASYNC) != 0);
  }

  private void setxattr(Request r, Reply out) throws IOException {
    int size = r.u32();
    int flags = r.u32();
    String name = r.name();
    byte[] value = r.bytes(size);
    writable();
    vfs.setxattr(ctx(r), r.nodeid, name, value, flags);
  }

  private void getxattr(Request r, Reply out) throws IOException {
    int size = r.u32();
    r.skip(4);
    String name = r.name();
    sized(out, size, vfs.getxattr(ctx(r), r.nodeid, name));
  }

  private void listxattr(Request r, Reply out) throws IOException {
    int size = r.u32();
    List<String> names = vfs.listxattr(ctx(r), r.nodeid);
    var b = new java.io.ByteArrayOutputStream();
    for (String n : names) {
      b.writeBytes(Names.encode(n));
      b.write(0);
    }
    sized(out, size, b.toByteArray());
  }

  /** Size-probe semantics: size 0 asks for the length; a too small buffer is ERANGE. */
  private static void sized(Reply out, int size, byte[] value) throws FsException {
    if (size == 0) {
      out.u32(value.length).u32(0);
    } else if (value.length > size) {
      throw Errno.ERANGE.exception("xattr value larger than " + size);
    } else {
      out.bytes(value);
    }
  }

  private void removexattr(Request r, Reply out) throws IOException {
    String name = r.name();
    writable();
    vfs.removexattr(ctx(r), r.nodeid, name);
  }

  private void flush(Request r, Reply out) throws IOException {
    long fh = r.u64();
    r.skip(8);
    long owner = r.u64();
    vfs.flush(ctx(r), r.nodeid, fh, owner);
  }

  private void opendir(Request r, Reply out) throws IOException {
    int flags = r.u32();
    Ctx ctx = ctx(r);
    long fh = vfs.opendir(ctx, r.nodeid, flags);
    r.ifAbandoned(() -> vfs.releasedir(ctx.uncancellable(), r.nodeid, fh));
    out.openOut(fh, 0);
  }

  private void readdir(Request r, Reply out, boolean plus) throws IOException {
    long fh = r.u64();
    long off = r.u64();
    int size = r.u32();
    int max = Math.max(1, size / (plus ? Proto.ENTRY_OUT + 32 : 32));
    List<Vfs.DirEntryAt> entries = vfs.readdir(ctx(r), r.nodeid, fh, off, max, plus);
    for (Vfs.DirEntryAt e : entries) {
      byte[] name = Names.encode(e.name());
      boolean fits;
      if (plus) {
        boolean dot = e.name().equals(".") || e.name().equals("..");
        fits = out.direntPlus(size, e.ino(), e.offset(), e.dtype(), name, entryTtl, attrTtl, dot ? null : e.attr());
      } else {
        fits = out.dirent(size, e.ino(), e.offset(), e.dtype(), name);
      }
      if (!fits) {
        break;
      }
    }
  }

  private void releasedir(Request r, Reply out) throws IOException {
    long fh = r.u64();
    vfs.releasedir(ctx(r), r.nodeid, fh);
  }

  private void getlk(Request r, Reply out) throws IOException {
    long fh = r.u64();
    long owner = r.u64();
    long start = r.u64();
    long end = r.u64();
    int type = r.u32();
    int pid = r.u32();
    Vfs.Lock l = vfs.getlk(ctx(r), r.nodeid, fh, owner, new Vfs.Lock(type, start, end, pid));
    out.u64(l.start()).u64(l.end()).u32(l.type()).u32(l.pid());
  }

  private void setlk(Request r, boolean wait) throws IOException {
    long fh = r.u64();
    long owner = r.u64();
    long start = r.u64();
    long end = r.u64();
    int type = r.u32();
    int pid = r.u32();
    int lkFlags = r.u32();
    Ctx ctx = ctx(r);
    if ((lkFlags & Proto.LK_FLOCK) != 0) {
      int op = switch (type) {
        case F_RDLCK -> LOCK_SH;
        case F_WRLCK -> LOCK_EX;
        case F_UNLCK -> LOCK_UN;
        default -> throw Errno.EINVAL.exception("lock type " + type);
      };
      vfs.flock(ctx, r.nodeid, fh, owner, op, wait);
      if (op != LOCK_UN) {
        r.ifAbandoned(() -> vfs.flock(ctx.uncancellable(), r.nodeid, fh, owner, LOCK_UN, false));
      }
    } else {
      vfs.setlk(ctx, r.nodeid, fh, owner, new Vfs.Lock(type, start, end, pid), wait);
      if (type != F_UNLCK) {
        // the caller was told EINTR: drop the range it does not know it holds
        r.ifAbandoned(() -> vfs.setlk(ctx.uncancellable(), r.nodeid, fh, owner, new Vfs.Lock(F_UNLCK, start, end, pid), false));
      }
    }
  }

  private void access(Request r, Reply out) throws IOException {
    int mask = r.u32();
    if ((mask & 2) != 0) {
      writable();
    }
    vfs.access(ctx(r), r.nodeid, mask);
  }

  private void create(Request r, Reply out) throws IOException {
    int flags = r.u32();
    int mode = r.u32();
    int umask = r.u32();
    int kernelOpenFlags = r.u32(); // fuse_create_in.open_flags
    String name = r.name();
    writable();
    Ctx ctx = ctx(r);
    Vfs.Opened op = vfs.create(ctx, r.nodeid, name, mode, umask, flags, (kernelOpenFlags & Proto.OPEN_KILL_SUIDGID) != 0);
    decide(ctx, op.entry().ino(), op.fh(), OpenFlags.O_WRONLY); // a create may open an existing file
    r.ifAbandoned(() -> release(ctx.uncancellable(), op.entry().ino(), op.fh()));
    entry(out, op.entry());
    out.openOut(op.fh(), openFlags | directIo(flags));
  }

  private void fallocate(Request r, Reply out) throws IOException {
    long fh = r.u64();
    long off = r.u64();
    long len = r.u64();
    int mode = r.u32();
    writable();
    vfs.fallocate(ctx(r), r.nodeid, fh, mode, off, len);
  }

  private void lseek(Request r, Reply out) throws IOException {
    long fh = r.u64();
    long off = r.u64();
    int whence = r.u32();
    out.u64(vfs.lseek(ctx(r), r.nodeid, fh, off, whence));
  }

  private void copyFileRange(Request r, Reply out) throws IOException {
    long fhIn = r.u64();
    long offIn = r.u64();
    long nodeOut = r.u64();
    long fhOut = r.u64();
    long offOut = r.u64();
    long len = Math.min(r.u64(), 0xffff_f000L); // write_out.size is 32 bits
    long flags = r.u64();
    writable();
    long n = vfs.copyFileRange(ctx(r), r.nodeid, fhIn, offIn, nodeOut, fhOut, offOut, len, (int) flags);
    out.u32((int) n).u32(0);
  }

  InitState initState() {
    return init.get();
  }
}
