package io.nectarfs.meta;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.OpenFlags;

/** Permission checks with owner/group/other bits, supplementary groups and root, as Linux does. */
final class Access {
  static final int R = 4;
  static final int W = 2;
  static final int X = 1;

  private Access() {}

  /** Whether {@code ctx} may access {@code a} for {@code mask} (bits of R, W, X). */
  static boolean allowed(Ctx ctx, Attr a, int mask) {
    if (mask == 0) {
      return true;
    }
    int mode = a.mode();
    if (ctx.isRoot()) {
      // Root may read and write anything; it may execute only if some execute bit is set (or a directory).
      return (mask & X) == 0 || a.isDir() || (mode & 0111) != 0;
    }
    int bits;
    if (ctx.uid() == a.uid()) {
      bits = (mode >>> 6) & 7;
    } else if (ctx.inGroup(a.gid())) {
      bits = (mode >>> 3) & 7;
    } else {
      bits = mode & 7;
    }
    return (bits & mask) == mask;
  }

  static void check(Ctx ctx, Attr a, int mask, String what) throws FsException {
    if (!allowed(ctx, a, mask)) {
      throw Errno.EACCES.exception(what);
    }
  }

  /** The sticky-directory rule: in a sticky directory only the owner of the entry or of the directory (or root) may remove or rename it. */
  static void checkSticky(Ctx ctx, Attr dir, Attr child, String what) throws FsException {
    if ((dir.mode() & 01000) != 0 && !ctx.isRoot() && ctx.uid() != dir.uid() && ctx.uid() != child.uid()) {
      throw Errno.EPERM.exception(what);
    }
  }

  /** Open flags' access mode as a permission mask; execve's open needs execute, not read. */
  static int forOpenFlags(int flags) {
    if (OpenFlags.has(flags, OpenFlags.FMODE_EXEC) && OpenFlags.accessMode(flags) == OpenFlags.O_RDONLY) {
      return X;
    }
    int acc = OpenFlags.accessMode(flags);
    int mask = switch (acc) {
      case OpenFlags.O_RDONLY -> R;
      case OpenFlags.O_WRONLY -> W;
      default -> R | W;
    };
    if (OpenFlags.has(flags, OpenFlags.O_TRUNC)) {
      mask |= W;
    }
    return mask;
  }
}
