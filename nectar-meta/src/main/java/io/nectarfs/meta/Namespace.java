package io.nectarfs.meta;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.Names;
import io.nectarfs.meta.kv.Bytes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Lookup, create, remove, rename, link, readdir and setattr: each one transaction. */
final class Namespace {
  private static final int MAX_LINKS = Integer.MAX_VALUE - 1;
  private final MetaClient m;
  /** Which inode recently seen names pointed to: read ahead with the entry (never trusted). */
  private final EntryHints hints = new EntryHints();

  Namespace(MetaClient m) {
    this.m = m;
  }

  Entry lookupDots(Ctx ctx, long parent, String name) throws IOException {
    return m.readTx(ctx, tx -> {
      Attr p = tx.dir(parent);
      if (name.equals(".")) {
        return new Entry(parent, p);
      }
      long up = parent == Meta.ROOT ? Meta.ROOT : p.parent();
      return new Entry(up, tx.attr(up));
    });
  }

  Entry lookup(Ctx ctx, long parent, String name) throws IOException {
    long hint = hints.get(parent, name);
    Entry found = m.readTx(ctx, tx -> {
      tx.prefetchEntry(parent, name, false, hint);
      Attr p = tx.dir(parent);
      m.acls.check(tx, ctx, p, Access.X, "search directory " + parent);
      if (parent == Meta.ROOT && name.equals(".trash")) {
        return new Entry(Meta.TRASH, tx.attr(Meta.TRASH));
      }
      byte[] d = tx.dentry(parent, name);
      if (d == null) {
        throw Errno.ENOENT.exception(name);
      }
      long ino = Codec.dentryIno(d);
      Attr a = tx.attrOrNull(ino);
      if (a == null) {
        throw Errno.ENOENT.exception(name + " (dangling entry)");
      }
      return new Entry(ino, a);
    });
    hints.put(parent, name, found.ino());
    return found;
  }

  Entry create(Ctx ctx, long parent, String name, FileType type, int mode, int umask, int rdev, String target, long ino) throws IOException {
    Entry created = m.tx(ctx, tx -> {
      tx.prefetchEntry(parent, name, true);
      Attr p = tx.dir(parent);
      if (p.nlink() == 0) {
        throw Errno.ENOENT.exception("directory " + parent + " was removed");
      }
      m.acls.check(tx, ctx, p, Access.W | Access.X, "create in directory " + parent);
      if (parent == Meta.TRASH || Trash.isTrashHour(parent)) {
        throw Errno.EPERM.exception("cannot create in the trash");
      }
      if (tx.dentry(parent, name) != null || (parent == Meta.ROOT && name.equals(".trash"))) {
        throw Errno.EEXIST.exception(name);
      }
      if (type == FileType.DIR && p.nlink() >= MAX_LINKS) {
        throw Errno.EMLINK.exception("directory " + parent + " has too many subdirectories");
      }
      int perm;
      int accessAcl = 0;
      int defaultAcl = 0;
      if (type == FileType.SYMLINK) {
        perm = 0777;
      } else if (m.format.enableAcl() && p.defaultAcl() != 0) {
        // The parent's default ACL replaces the umask (posix_acl_create).
        AclRule acc = m.acls.get(tx, p.defaultAcl()).createMasq(mode & 0777);
        perm = (mode & 07000) | acc.modeBits();
        accessAcl = acc.isMinimal() ? 0 : m.acls.intern(tx, acc);
        defaultAcl = type == FileType.DIR ? p.defaultAcl() : 0;
      } else {
        perm = mode & ~umask & 07777;
      }
      int gid = ctx.gid();
      if ((p.mode() & 02000) != 0) {
        gid = p.gid();
        if (type == FileType.DIR) {
          perm |= 02000;
        } else if ((perm & 02010) == 02010 && !ctx.isRoot() && !ctx.inGroup(gid)) {
          perm &= ~02000;
        }
      }
      long now = m.now();
      long length = switch (type) {
        case DIR -> Attr.DIR_SIZE;
        case SYMLINK -> Names.encode(target).length;
        default -> 0;
      };
      Attr a = new Attr(type, perm, ctx.uid(), gid, now, now, now, type == FileType.DIR ? 2 : 1, length,
          type == FileType.CHAR || type == FileType.BLOCK ? rdev : 0, 0, parent).withAcl(accessAcl, defaultAcl);
      m.quotas.account(tx, parent, MetaClient.accountedSpace(a), 1);
      tx.putDentry(parent, name, type, ino);
      tx.putAttr(ino, a);
      if (type == FileType.SYMLINK) {
        tx.kv.put(Keys.symlink(ino), Names.encode(target));
      }
      Attr np = p.withMtimeCtime(now);
      if (type == FileType.DIR) {
        np = np.withNlink(p.nlink() + 1);
      }
      tx.putAttr(parent, np);
      tx.addStats(MetaClient.accountedSpace(a), 1);
      return new Entry(ino, a);
    });
    hints.put(parent, name, created.ino());
    return created;
  }

  /** Removes the last link of {@code ino} or moves it to the trash; returns the space freed now. */
  static final class Removal {
    long space;
    long inodes;
    List<Long> unlocked = List.of();
  }

  void unlink(Ctx ctx, long parent, String name) throws IOException {
    unlinkAll(ctx, parent, List.of(name));
  }

  /**
   * Removes the non-directory entries {@code names} of {@code parent} in one transaction: all or
   * none (the failure names its entry); the directory's times change once.
   */
  void unlinkAll(Ctx ctx, long parent, List<String> names) throws IOException {
    Removal r = m.txRemoval(ctx, tx -> {
      Removal out = new Removal();
      if (names.size() == 1) {
        long hint = hints.get(parent, names.getFirst());
        if (hint != 0) {
          tx.prefetchEntryAndInode(parent, names.getFirst(), hint);
        } else {
          tx.prefetchEntry(parent, names.getFirst(), true);
        }
      }
      Attr p = tx.dir(parent);
      m.acls.check(tx, ctx, p, Access.W | Access.X, "remove from directory " + parent);
      long now = m.now();
      tx.putAttr(parent, p.withMtimeCtime(now));
      for (String name : names) {
        byte[] d = tx.dentry(parent, name);
        if (d == null) {
          throw Errno.ENOENT.exception(name);
        }
        if (Codec.dentryType(d) == FileType.DIR) {
          throw Errno.EISDIR.exception(name);
        }
        long ino = Codec.dentryIno(d);
        tx.prefetchInode(ino);
        Attr a = tx.attrOrNull(ino);
        if (a != null) {
          Access.checkSticky(ctx, p, a, "remove " + name + " from sticky directory");
          if ((a.flags() & (Attr.FLAG_IMMUTABLE | Attr.FLAG_APPEND)) != 0) {
            throw Errno.EPERM.exception(name + " is immutable or append-only");
          }
        }
        tx.deleteDentry(parent, name);
        if (a != null) {
          dropLink(tx, parent, name, ino, a, now, out);
        }
      }
      return out;
    });
    names.forEach(n -> hints.remove(parent, n));
    m.updateStats(-r.space, -r.inodes);
  }

  /**
   * The entry {@code parent/name} of {@code ino} is gone: decrement nlink, keep hard-link parents
   * right, and when it was the last link move the inode to the trash, keep it for its open handles,
   * or delete it (data freed in the background).
   */
  void dropLink(Tx tx, long parent, String name, long ino, Attr a, long now, Removal out) throws IOException {
    m.quotas.account(tx, parent, -MetaClient.accountedSpace(a), -1);
    int nlink = a.nlink() - 1;
    Attr na = a.withNlink(Math.max(nlink, 0)).withCtime(now);
    if (a.parent() == 0) {
      na = na.withParent(dropParentLink(tx, ino, parent, nlink));
    }
    if (nlink > 0) {
      tx.putAttr(ino, na);
      return;
    }
    if (m.format.trashDays() > 0 && !Trash.inTrash(parent)) {
      long hour = Trash.hourDir(m, tx, now);
      String tname = Trash.entryName(parent, ino, name);
      tx.putDentry(hour, tname, a.type(), ino);
      tx.putAttr(ino, na.withNlink(1).withParent(hour)); // the hour directory's own attributes stay (see Trash)
      return;
    }
    if (a.type() == FileType.FILE && m.isOpen(ino) && m.sid != 0) {
      tx.putAttr(ino, na.withNlink(0));
      tx.kv.put(Keys.sustained(m.sid, ino), new byte[] {1});
      m.sustainedHere.add(ino);
      return;
    }
    deleteInode(tx, ino, na, out);
  }

  /**
   * A removed directory that this client holds open stays, with nlink 0 and a sustained record of
   * the session, until its last close (as an open file does), so fstat on the descriptor works.
   */
  private boolean keepOpenDir(Tx tx, long ino, Attr a, long now) throws IOException {
    if (!m.isOpen(ino) || m.sid == 0) {
      return false;
    }
    tx.putAttr(ino, a.withNlink(0).withCtime(now));
    tx.kv.put(Keys.sustained(m.sid, ino), new byte[] {1});
    m.sustainedHere.add(ino);
    return true;
  }

  /** Deletes an inode whose last link is gone; file data is queued for background deletion. */
  void deleteInode(Tx tx, long ino, Attr a, Removal out) throws IOException {
    tx.kv.delete(Keys.attr(ino));
    for (byte[] k : tx.keys(Keys.xattrPrefix(ino))) {
      tx.kv.delete(k);
    }
    Locks.dropInode(tx, ino);
    if (a.isDir()) {
      tx.kv.delete(Quotas.statsKey(ino));
      Quotas.dropQuota(tx, ino);
    }
    switch (a.type()) {
      case SYMLINK -> tx.kv.delete(Keys.symlink(ino));
      case FILE -> {
        byte[] v = new byte[16];
        Bytes.putU64(v, 0, a.length());
        Bytes.putU64(v, 8, m.config.clock().nowMillis());
        tx.kv.put(Keys.delfile(ino), v);
      }
      default -> {}
    }
    out.space += MetaClient.accountedSpace(a);
    out.inodes += 1;
  }

  /** Updates the parent-link records after one link in {@code parent} went; returns the new parent field. */
  private long dropParentLink(Tx tx, long ino, long parent, int nlinkLeft) throws IOException {
    byte[] key = Keys.parentLink(ino, parent);
    byte[] v = tx.kv.get(key);
    int c = v == null ? 0 : Bytes.getU32(v, 0);
    if (c <= 1) {
      tx.kv.delete(key);
    } else {
      tx.kv.put(key, Codec.u32(c - 1));
    }
    if (nlinkLeft == 1) {
      // Back to a single link: record its parent in the inode again.
      long only = 0;
      for (byte[] k : tx.keys(Keys.parentPrefix(ino))) {
        only = Keys.parentOf(k);
        tx.kv.delete(k);
      }
      return only;
    }
    return 0;
  }

  private void addParentLink(Tx tx, long ino, long parent) throws IOException {
    byte[] key = Keys.parentLink(ino, parent);
    byte[] v = tx.kv.get(key);
    tx.kv.put(key, Codec.u32((v == null ? 0 : Bytes.getU32(v, 0)) + 1));
  }

  void rmdir(Ctx ctx, long parent, String name) throws IOException {
    Removal r = m.txRemoval(ctx, tx -> {
      Removal out = new Removal();
      Attr p = tx.dir(parent);
      m.acls.check(tx, ctx, p, Access.W | Access.X, "remove from directory " + parent);
      byte[] d = tx.dentry(parent, name);
      if (d == null) {
        throw Errno.ENOENT.exception(name);
      }
      if (Codec.dentryType(d) != FileType.DIR) {
        throw Errno.ENOTDIR.exception(name);
      }
      long ino = Codec.dentryIno(d);
      if (ino == Meta.ROOT || ino == Meta.TRASH) {
        throw Errno.EBUSY.exception(name);
      }
      Attr a = tx.attrOrNull(ino);
      if (a != null) {
        Access.checkSticky(ctx, p, a, "remove " + name + " from sticky directory");
      }
      if (tx.hasEntries(ino)) {
        throw Errno.ENOTEMPTY.exception(name);
      }
      long now = m.now();
      tx.deleteDentry(parent, name);
      tx.putAttr(parent, p.withNlink(p.nlink() - 1).withMtimeCtime(now));
      if (a == null) {
        return out;
      }
      m.quotas.account(tx, parent, -MetaClient.accountedSpace(a), -1);
      if (m.format.trashDays() > 0 && !Trash.inTrash(parent)) {
        long hour = Trash.hourDir(m, tx, now);
        tx.putDentry(hour, Trash.entryName(parent, ino, name), FileType.DIR, ino);
        tx.putAttr(ino, a.withParent(hour).withCtime(now));
        Attr h = tx.attr(hour);
        tx.putAttr(hour, h.withNlink(h.nlink() + 1));
        return out;
      }
      if (!keepOpenDir(tx, ino, a, now)) {
        deleteInode(tx, ino, a.withNlink(0), out);
      }
      return out;
    });
    m.updateStats(-r.space, -r.inodes);
  }

  void rename(Ctx ctx, long ps, String nsrc, long pd, String ndst, int flags) throws IOException {
    Removal r = m.txRemoval(ctx, tx -> {
      Removal out = new Removal();
      List<byte[]> ahead = new java.util.ArrayList<>(List.of(Keys.attr(ps), Keys.attr(pd), Keys.dentry(ps, nsrc), Keys.dentry(pd, ndst), tx.usageKey()));
      for (long hint : new long[] {hints.get(ps, nsrc), hints.get(pd, ndst)}) {
        if (hint != 0) {
          ahead.add(Keys.attr(hint));
        }
      }
      tx.kv.prefetch(ahead);
      Attr sp = tx.dir(ps);
      Attr dp = ps == pd ? sp : tx.dir(pd);
      if (Trash.inTrash(pd) && !Trash.inTrash(ps)) {
        throw Errno.EPERM.exception("cannot move into the trash");
      }
      m.acls.check(tx, ctx, sp, Access.W | Access.X, "rename from directory " + ps);
      if (pd != ps) {
        m.acls.check(tx, ctx, dp, Access.W | Access.X, "rename into directory " + pd);
      }
      byte[] sd = tx.dentry(ps, nsrc);
      if (sd == null) {
        throw Errno.ENOENT.exception(nsrc);
      }
      long sino = Codec.dentryIno(sd);
      Attr sa = tx.attr(sino);
      if (ps == pd && nsrc.equals(ndst)) {
        if ((flags & Meta.RENAME_NOREPLACE) != 0) {
          throw Errno.EEXIST.exception(ndst); // as renameat2: the target exists
        }
        return out; // renaming a name onto itself does nothing
      }
      byte[] dd = tx.dentry(pd, ndst);
      if (pd == Meta.ROOT && ndst.equals(".trash")) {
        throw Errno.EPERM.exception(".trash is reserved");
      }
      if (dd != null && (flags & Meta.RENAME_NOREPLACE) != 0) {
        throw Errno.EEXIST.exception(ndst);
      }
      if (dd == null && (flags & Meta.RENAME_EXCHANGE) != 0) {
        throw Errno.ENOENT.exception(ndst);
      }
      Access.checkSticky(ctx, sp, sa, "rename " + nsrc + " out of sticky directory");
      if (sa.isDir() && ps != pd) {
        m.acls.check(tx, ctx, sa, Access.W, "move directory " + nsrc + " (its '..' changes)");
        checkNotAncestor(tx, sino, pd, nsrc);
      }
      long now = m.now();
      long dino = dd == null ? 0 : Codec.dentryIno(dd);
      Attr da = dd == null ? null : tx.attrOrNull(dino);
      if (da != null && da.isDir() && isAncestorOrSelf(tx, dino, ps)) {
        // the target is an ancestor of the source (a/b onto a): Linux's order of checks
        throw ((flags & Meta.RENAME_EXCHANGE) != 0 ? Errno.EINVAL : Errno.ENOTEMPTY).exception(ndst);
      }
      if (da != null) {
        Access.checkSticky(ctx, dp, da, "replace " + ndst + " in sticky directory");
      }
      if (dino == sino) {
        return out; // two links of one inode: POSIX says do nothing
      }
      if ((flags & Meta.RENAME_EXCHANGE) != 0) {
        exchange(tx, ps, nsrc, sino, sa, pd, ndst, dino, da, now);
        return out;
      }
      if (da != null) {
        if (sa.isDir()) {
          if (!da.isDir()) {
            throw Errno.ENOTDIR.exception(ndst);
          }
          if (tx.hasEntries(dino)) {
            throw Errno.ENOTEMPTY.exception(ndst);
          }
        } else if (da.isDir()) {
          throw Errno.EISDIR.exception(ndst);
        }
      }
      // Move the source entry.
      tx.deleteDentry(ps, nsrc);
      tx.putDentry(pd, ndst, sa.type(), sino);
      Attr nsa = sa.withCtime(now);
      if (sa.parent() != 0) {
        nsa = nsa.withParent(pd);
      } else if (ps != pd) {
        dropOneParentLink(tx, sino, ps);
        addParentLink(tx, sino, pd);
      }
      tx.putAttr(sino, nsa);
      int spDelta = 0;
      int dpDelta = 0;
      if (sa.isDir() && ps != pd) {
        spDelta--;
        dpDelta++;
      }
      // Replace the target.
      if (da != null) {
        if (da.isDir()) {
          dpDelta--;
          m.quotas.account(tx, pd, -MetaClient.accountedSpace(da), -1);
          if (m.format.trashDays() > 0 && !Trash.inTrash(pd)) {
            long hour = Trash.hourDir(m, tx, now);
            tx.putDentry(hour, Trash.entryName(pd, dino, ndst), FileType.DIR, dino);
            tx.putAttr(dino, da.withParent(hour).withCtime(now));
            Attr h = tx.attr(hour);
            tx.putAttr(hour, h.withNlink(h.nlink() + 1));
          } else if (!keepOpenDir(tx, dino, da, now)) {
            deleteInode(tx, dino, da.withNlink(0), out);
          }
        } else {
          dropLink(tx, pd, ndst, dino, da, now, out);
        }
      }
      if (ps != pd) {
        moveStats(tx, sino, sa, ps, pd);
      }
      Attr nsp = tx.attr(ps);
      tx.putAttr(ps, nsp.withNlink(nsp.nlink() + spDelta).withMtimeCtime(now));
      if (pd != ps) {
        Attr ndp = tx.attr(pd);
        tx.putAttr(pd, ndp.withNlink(ndp.nlink() + dpDelta).withMtimeCtime(now));
      } else if (dpDelta != 0) {
        Attr ndp = tx.attr(pd);
        tx.putAttr(pd, ndp.withNlink(ndp.nlink() + dpDelta));
      }
      return out;
    });
    if ((flags & Meta.RENAME_EXCHANGE) != 0) {
      hints.remove(ps, nsrc);
      hints.remove(pd, ndst);
    } else {
      hints.moved(ps, nsrc, pd, ndst);
    }
    m.updateStats(-r.space, -r.inodes);
  }

  private void exchange(Tx tx, long ps, String nsrc, long sino, Attr sa, long pd, String ndst, long dino, Attr da, long now) throws IOException {
    if (da == null) {
      throw Errno.ENOENT.exception(ndst + " (dangling entry)");
    }
    if (da.isDir() && ps != pd) {
      checkNotAncestor(tx, dino, ps, ndst);
    }
    tx.putDentry(ps, nsrc, da.type(), dino);
    tx.putDentry(pd, ndst, sa.type(), sino);
    Attr nsa = sa.withCtime(now);
    Attr nda = da.withCtime(now);
    if (ps != pd) {
      if (sa.parent() != 0) {
        nsa = nsa.withParent(pd);
      } else {
        dropOneParentLink(tx, sino, ps);
        addParentLink(tx, sino, pd);
      }
      if (da.parent() != 0) {
        nda = nda.withParent(ps);
      } else {
        dropOneParentLink(tx, dino, pd);
        addParentLink(tx, dino, ps);
      }
    }
    tx.putAttr(sino, nsa);
    tx.putAttr(dino, nda);
    if (ps != pd) {
      long[] st = tree(tx, sino, sa);
      long[] dt = tree(tx, dino, da);
      m.quotas.account(tx, ps, -MetaClient.accountedSpace(sa), -1, -st[0], -st[1]);
      m.quotas.account(tx, pd, -MetaClient.accountedSpace(da), -1, -dt[0], -dt[1]);
      m.quotas.account(tx, pd, MetaClient.accountedSpace(sa), 1, st[0], st[1]);
      m.quotas.account(tx, ps, MetaClient.accountedSpace(da), 1, dt[0], dt[1]);
    }
    int delta = (sa.isDir() ? 1 : 0) - (da.isDir() ? 1 : 0);
    Attr nsp = tx.attr(ps);
    if (ps == pd) {
      tx.putAttr(ps, nsp.withMtimeCtime(now));
    } else {
      tx.putAttr(ps, nsp.withNlink(nsp.nlink() - delta).withMtimeCtime(now));
      Attr ndp = tx.attr(pd);
      tx.putAttr(pd, ndp.withNlink(ndp.nlink() + delta).withMtimeCtime(now));
    }
  }

  /** The usage below a directory that moves with it (quotas only); nothing for files or without quotas. */
  private long[] tree(Tx tx, long ino, Attr a) throws IOException {
    if (!a.isDir() || !m.quotas.anyQuota(tx)) {
      return new long[2];
    }
    DirStats s = Quotas.summary(tx, ino);
    return new long[] {s.space(), s.inodes()};
  }

  /** Moves the statistics of entry {@code ino} (and, for quotas, its tree) from {@code from} to {@code to}. */
  void moveStats(Tx tx, long ino, Attr a, long from, long to) throws IOException {
    long[] t = tree(tx, ino, a);
    long s = MetaClient.accountedSpace(a);
    m.quotas.account(tx, from, -s, -1, -t[0], -t[1]);
    m.quotas.account(tx, to, s, 1, t[0], t[1]);
  }

  private void dropOneParentLink(Tx tx, long ino, long parent) throws IOException {
    byte[] key = Keys.parentLink(ino, parent);
    byte[] v = tx.kv.get(key);
    int c = v == null ? 0 : Bytes.getU32(v, 0);
    if (c <= 1) {
      tx.kv.delete(key);
    } else {
      tx.kv.put(key, Codec.u32(c - 1));
    }
  }

  /** EINVAL when {@code dir} is {@code target} or one of its ancestors (a move into its own subtree). */
  /** Whether directory {@code dir} is {@code start} or one of its ancestors. */
  private static boolean isAncestorOrSelf(Tx tx, long dir, long start) throws IOException {
    long at = start;
    for (int depth = 0; depth < 100_000; depth++) {
      if (at == dir) {
        return true;
      }
      if (at == Meta.ROOT || at == Meta.TRASH || at == 0) {
        return false;
      }
      at = tx.attr(at).parent();
    }
    throw Errno.ELOOP.exception("directory tree too deep");
  }

  private void checkNotAncestor(Tx tx, long dir, long target, String name) throws IOException {
    long at = target;
    for (int depth = 0; depth < 100_000; depth++) {
      if (at == dir) {
        throw Errno.EINVAL.exception("cannot move " + name + " into its own subdirectory");
      }
      if (at == Meta.ROOT || at == Meta.TRASH || at == 0) {
        return;
      }
      at = tx.attr(at).parent();
    }
    throw Errno.ELOOP.exception("directory tree too deep");
  }

  Entry link(Ctx ctx, long ino, long pd, String name) throws IOException {
    return m.tx(ctx, tx -> {
      Attr a = tx.attr(ino);
      if (a.isDir()) {
        throw Errno.EPERM.exception("cannot hard-link a directory");
      }
      if ((a.flags() & (Attr.FLAG_IMMUTABLE | Attr.FLAG_APPEND)) != 0) {
        throw Errno.EPERM.exception("immutable or append-only file");
      }
      Attr p = tx.dir(pd);
      if (p.nlink() == 0) {
        throw Errno.ENOENT.exception("directory " + pd + " was removed");
      }
      if (Trash.inTrash(pd)) {
        throw Errno.EPERM.exception("cannot link into the trash");
      }
      m.acls.check(tx, ctx, p, Access.W | Access.X, "link into directory " + pd);
      if (tx.dentry(pd, name) != null || (pd == Meta.ROOT && name.equals(".trash"))) {
        throw Errno.EEXIST.exception(name);
      }
      if (a.nlink() >= MAX_LINKS) {
        throw Errno.EMLINK.exception("too many links");
      }
      if (a.nlink() == 0) {
        throw Errno.ENOENT.exception("inode " + ino + " was removed");
      }
      long now = m.now();
      Attr na = a.withNlink(a.nlink() + 1).withCtime(now);
      if (a.parent() != 0) {
        addParentLink(tx, ino, a.parent());
        na = na.withParent(0);
      }
      addParentLink(tx, ino, pd);
      m.quotas.account(tx, pd, MetaClient.accountedSpace(a), 1);
      tx.putAttr(ino, na);
      tx.putDentry(pd, name, a.type(), ino);
      tx.putAttr(pd, p.withMtimeCtime(now));
      return new Entry(ino, na);
    });
  }

  List<DirEntry> readdir(Ctx ctx, long ino, String after, int limit, boolean plus) throws IOException {
    return m.readTx(ctx, tx -> {
      tx.kv.snapshotNow(); // the directory, then its entries (and their attributes)
      Attr d = tx.dir(ino);
      m.acls.check(tx, ctx, d, Access.R, "read directory " + ino);
      byte[] prefix = Keys.dentryPrefix(ino);
      byte[] start = after.isEmpty() ? prefix : Bytes.concat(Keys.dentry(ino, after), new byte[] {0});
      List<DirEntry> out = new ArrayList<>();
      tx.kv.scan(start, Bytes.prefixEnd(prefix), limit, (k, v) -> {
        out.add(new DirEntry(Keys.dentryName(k), Codec.dentryIno(v), Codec.dentryType(v), null));
        return true;
      });
      if (!plus) {
        return out;
      }
      List<byte[]> keys = new ArrayList<>(out.size());
      for (DirEntry e : out) {
        keys.add(Keys.attr(e.ino()));
      }
      List<byte[]> values = tx.kv.getAll(keys); // one round trip where the engine can
      List<DirEntry> withAttrs = new ArrayList<>(out.size());
      for (int i = 0; i < out.size(); i++) {
        if (values.get(i) != null) {
          DirEntry e = out.get(i);
          withAttrs.add(new DirEntry(e.name(), e.ino(), e.type(), Codec.attr(values.get(i))));
        }
      }
      return withAttrs;
    });
  }

  Attr setattr(Ctx ctx, long ino, SetAttr req) throws IOException {
    long[] spaceDelta = {0};
    Attr result = m.tx(ctx, tx -> {
      spaceDelta[0] = 0; // the body may run again: only the attempt that commits counts
      Attr a = tx.attr(ino);
      long now = m.now();
      boolean owner = ctx.isRoot() || ctx.uid() == a.uid();
      Attr n = a;
      if ((a.flags() & Attr.FLAG_IMMUTABLE) != 0 && req.valid() != 0) {
        throw Errno.EPERM.exception("immutable file");
      }
      if (req.has(SetAttr.UID) || req.has(SetAttr.GID)) {
        int uid = req.has(SetAttr.UID) ? req.uid() : a.uid();
        int gid = req.has(SetAttr.GID) ? req.gid() : a.gid();
        if (!ctx.isRoot()) {
          if (uid != a.uid() || ctx.uid() != a.uid()) {
            throw Errno.EPERM.exception("only root may change the owner");
          }
          if (gid != a.gid() && !ctx.inGroup(gid)) {
            throw Errno.EPERM.exception("not a member of group " + gid);
          }
        }
        int mode = n.mode();
        if (!a.isDir() && (uid != a.uid() || gid != a.gid() || !ctx.isRoot())) {
          mode &= ~04000;
          if ((mode & 010) != 0) {
            mode &= ~02000;
          }
        }
        n = n.withOwner(uid, gid).withMode(mode);
      }
      boolean killPriv = req.has(SetAttr.MODE) && !owner && (req.mode() & 07777) != n.mode()
          && ((req.mode() & 07777) | 06000) == (n.mode() | 06000) && (req.mode() & 06000 & ~n.mode()) == 0;
      if (killPriv) {
        // A writer that is not the owner drops setuid/setgid (the kernel sends this on write): allowed
        // to anyone who may write the file, and nothing else may change.
        if (!m.acls.allowed(tx, ctx, n, Access.W)) {
          throw Errno.EPERM.exception("only the owner may change the mode");
        }
        n = m.acls.chmod(tx, n, req.mode() & 07777);
      } else if (req.has(SetAttr.MODE)) {
        if (!owner) {
          throw Errno.EPERM.exception("only the owner may change the mode");
        }
        int mode = req.mode() & 07777;
        if (!ctx.isRoot() && !ctx.inGroup(n.gid())) {
          mode &= ~02000;
        }
        n = m.acls.chmod(tx, n, mode);
      }
      if (req.has(SetAttr.SIZE)) {
        if (a.isDir()) {
          throw Errno.EISDIR.exception("inode " + ino);
        }
        if (a.type() != FileType.FILE) {
          throw Errno.EINVAL.exception("truncate of a non-regular file");
        }
        if (!req.viaHandle()) {
          m.acls.check(tx, ctx, a, Access.W, "truncate inode " + ino);
        }
        if ((a.flags() & Attr.FLAG_APPEND) != 0) {
          throw Errno.EPERM.exception("append-only file");
        }
        if (req.size() < 0) {
          throw Errno.EINVAL.exception("negative size");
        }
        if (req.size() > FileData.MAX_FILE_SIZE) {
          throw Errno.EFBIG.exception("size " + req.size());
        }
        long delta = MetaClient.align4k(req.size()) - MetaClient.align4k(a.length());
        m.checkLimits(delta, 0);
        m.quotas.accountFile(tx, ino, a, delta);
        if (req.size() != a.length()) {
          m.data.truncateIn(tx, ino, a.length(), req.size(), now);
          spaceDelta[0] = delta;
          tx.addStats(delta, 0);
        }
        n = n.withLength(req.size()).withTimes(n.atime(), now, now);
        if (!ctx.isRoot() && (n.mode() & 06000) != 0) {
          int mode = n.mode() & ~04000;
          if ((mode & 010) != 0) {
            mode &= ~02000;
          }
          n = n.withMode(mode);
        }
      }
      boolean explicitTimes = req.has(SetAttr.ATIME) && !req.has(SetAttr.ATIME_NOW) || req.has(SetAttr.MTIME) && !req.has(SetAttr.MTIME_NOW);
      boolean nowTimes = req.has(SetAttr.ATIME_NOW) || req.has(SetAttr.MTIME_NOW);
      if (explicitTimes && !owner) {
        throw Errno.EPERM.exception("only the owner may set times");
      }
      if (nowTimes && !owner && !m.acls.allowed(tx, ctx, a, Access.W)) {
        throw Errno.EACCES.exception("set times of inode " + ino);
      }
      if (req.has(SetAttr.ATIME_NOW)) {
        n = n.withTimes(now, n.mtime(), n.ctime());
      } else if (req.has(SetAttr.ATIME)) {
        n = n.withTimes(req.atime(), n.mtime(), n.ctime());
      }
      if (req.has(SetAttr.MTIME_NOW)) {
        n = n.withTimes(n.atime(), now, n.ctime());
      } else if (req.has(SetAttr.MTIME)) {
        n = n.withTimes(n.atime(), req.mtime(), n.ctime());
      }
      n = n.withCtime(req.has(SetAttr.CTIME) ? req.ctime() : now);
      tx.putAttr(ino, n);
      return n;
    });
    m.updateStats(spaceDelta[0], 0);
    return result;
  }
}
