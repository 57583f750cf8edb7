package io.nectarfs.meta;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.meta.kv.Bytes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Extended attributes: one key per (inode, name). {@code system.posix_acl_access} and {@code
 * system.posix_acl_default} are not stored as attributes: they read and write the inode's ACLs
 * (see {@link Acls}). Permissions as Linux's xattr_permission: {@code user.*} needs read (get,
 * list shows it anyway) or write permission (set, remove) and exists only on files and
 * directories (EPERM elsewhere; in a sticky directory only the owner may set); {@code trusted.*}
 * is root's only (EPERM, hidden from others' lists).
 */
final class Xattrs {
  static final String ACL_ACCESS = "system.posix_acl_access";
  static final String ACL_DEFAULT = "system.posix_acl_default";
  static final int MAX_NAME = 255;
  static final int MAX_VALUE = 65536;
  private final MetaClient m;

  Xattrs(MetaClient m) {
    this.m = m;
  }

  private static void checkName(String name) throws IOException {
    if (name == null || name.isEmpty()) {
      throw Errno.EINVAL.exception("empty attribute name");
    }
    if (MetaClient.nameBytes(name).length > MAX_NAME) {
      throw Errno.ERANGE.exception("attribute name longer than " + MAX_NAME + " bytes");
    }
  }

  private boolean isAcl(String name) {
    return name.equals(ACL_ACCESS) || name.equals(ACL_DEFAULT);
  }

  private void checkAclEnabled() throws IOException {
    if (!m.format.enableAcl()) {
      throw Errno.EOPNOTSUPP.exception("POSIX ACLs are not enabled on this volume (nectar format --enable-acl)");
    }
  }

  /** xattr_permission for reading ({@code write} false) or changing an attribute. */
  private void checkPermission(Tx tx, Ctx ctx, Attr a, String name, boolean write) throws IOException {
    if (name.startsWith("trusted.")) {
      if (!ctx.isRoot()) {
        throw Errno.EPERM.exception("trusted.* attributes are root's");
      }
      return;
    }
    if (name.startsWith("user.")) {
      if (a.type() != FileType.FILE && a.type() != FileType.DIR) {
        throw Errno.EPERM.exception("user.* attributes exist only on files and directories");
      }
      if (write && a.isDir() && (a.mode() & 01000) != 0 && !ctx.isRoot() && ctx.uid() != a.uid()) {
        throw Errno.EPERM.exception("user.* attributes of a sticky directory are its owner's");
      }
      m.acls.check(tx, ctx, a, write ? Access.W : Access.R, (write ? "change" : "read") + " extended attributes");
    }
  }

  byte[] get(Ctx ctx, long ino, String name) throws IOException {
    checkName(name);
    if (isAcl(name)) {
      checkAclEnabled();
      return m.readTx(ctx, tx -> {
        Attr a = tx.attr(ino);
        int id = name.equals(ACL_ACCESS) ? a.accessAcl() : a.defaultAcl();
        if (id == 0) {
          throw Errno.ENODATA.exception(name);
        }
        return m.acls.get(tx, id).toXattr();
      });
    }
    byte[] key = Keys.xattr(ino, name);
    return m.readTx(ctx, tx -> {
      tx.kv.prefetch(List.of(Keys.attr(ino), key)); // one engine read for both (the kernel asks for missing names often)
      checkPermission(tx, ctx, tx.attr(ino), name, false);
      byte[] v = tx.kv.get(key);
      if (v == null) {
        throw Errno.ENODATA.exception(name);
      }
      return v;
    });
  }

  List<String> list(Ctx ctx, long ino) throws IOException {
    return m.readTx(ctx, tx -> {
      byte[] p = Keys.xattrPrefix(ino);
      tx.kv.prefetch(List.of(Keys.attr(ino)), List.of(p)); // one statement or one snapshot for both
      Attr a = tx.attr(ino);
      List<String> out = new ArrayList<>();
      tx.kv.scan(p, Bytes.prefixEnd(p), 0, (k, v) -> {
        String n = Keys.xattrName(k);
        if (ctx.isRoot() || !n.startsWith("trusted.")) {
          out.add(n);
        }
        return true;
      });
      if (a.accessAcl() != 0) {
        out.add(ACL_ACCESS);
      }
      if (a.defaultAcl() != 0) {
        out.add(ACL_DEFAULT);
      }
      return out;
    });
  }

  void set(Ctx ctx, long ino, String name, byte[] value, int flags) throws IOException {
    checkName(name);
    if (value.length > MAX_VALUE) {
      throw Errno.E2BIG.exception("attribute value larger than " + MAX_VALUE + " bytes");
    }
    if ((flags & ~(Meta.XATTR_CREATE | Meta.XATTR_REPLACE)) != 0) {
      throw Errno.EINVAL.exception("setxattr flags " + flags);
    }
    if (isAcl(name)) {
      checkAclEnabled();
      AclRule rule = value.length == 0 ? null : AclRule.fromXattr(value);
      setAcl(ctx, ino, name, rule, flags);
      return;
    }
    m.tx(ctx, tx -> {
      Attr a = tx.attr(ino);
      if ((a.flags() & (Attr.FLAG_IMMUTABLE | Attr.FLAG_APPEND)) != 0) {
        throw Errno.EPERM.exception("immutable or append-only file");
      }
      checkPermission(tx, ctx, a, name, true);
      byte[] key = Keys.xattr(ino, name);
      boolean exists = tx.kv.get(key) != null;
      if ((flags & Meta.XATTR_CREATE) != 0 && exists) {
        throw Errno.EEXIST.exception(name);
      }
      if ((flags & Meta.XATTR_REPLACE) != 0 && !exists) {
        throw Errno.ENODATA.exception(name);
      }
      tx.kv.put(key, value);
      tx.putAttr(ino, a.withCtime(m.now()));
      return null;
    });
  }

  /** Sets ({@code rule} non-null) or removes an ACL, as posix_acl_xattr_set and set_posix_acl do. */
  private void setAcl(Ctx ctx, long ino, String name, AclRule rule, int flags) throws IOException {
    boolean access = name.equals(ACL_ACCESS);
    m.tx(ctx, tx -> {
      Attr a = tx.attr(ino);
      if (a.type() == FileType.SYMLINK) {
        throw Errno.EOPNOTSUPP.exception("symbolic links have no ACLs");
      }
      if (!ctx.isRoot() && ctx.uid() != a.uid()) {
        throw Errno.EPERM.exception("only the owner may change the ACL of inode " + ino);
      }
      if ((a.flags() & (Attr.FLAG_IMMUTABLE | Attr.FLAG_APPEND)) != 0) {
        throw Errno.EPERM.exception("immutable or append-only file");
      }
      if (!access && !a.isDir()) {
        if (rule != null) {
          throw Errno.EACCES.exception("default ACLs exist only on directories");
        }
        return null;
      }
      int old = access ? a.accessAcl() : a.defaultAcl();
      if ((flags & Meta.XATTR_CREATE) != 0 && old != 0) {
        throw Errno.EEXIST.exception(name);
      }
      if ((flags & Meta.XATTR_REPLACE) != 0 && old == 0) {
        throw Errno.ENODATA.exception(name);
      }
      Attr n;
      if (access) {
        if (rule == null) {
          n = a.withAcl(0, a.defaultAcl());
        } else {
          int mode = Acls.updateMode(ctx, a, rule);
          n = a.withMode(mode).withAcl(rule.isMinimal() ? 0 : m.acls.intern(tx, rule), a.defaultAcl());
        }
      } else {
        n = a.withAcl(a.accessAcl(), rule == null ? 0 : m.acls.intern(tx, rule));
      }
      tx.putAttr(ino, n.withCtime(m.now()));
      return null;
    });
  }

  void remove(Ctx ctx, long ino, String name) throws IOException {
    checkName(name);
    if (isAcl(name)) {
      checkAclEnabled();
      boolean present = m.readTx(ctx, tx -> {
        Attr a = tx.attr(ino);
        return (name.equals(ACL_ACCESS) ? a.accessAcl() : a.defaultAcl()) != 0;
      });
      if (!present) {
        throw Errno.ENODATA.exception(name);
      }
      setAcl(ctx, ino, name, null, 0);
      return;
    }
    m.tx(ctx, tx -> {
      Attr a = tx.attr(ino);
      checkPermission(tx, ctx, a, name, true);
      byte[] key = Keys.xattr(ino, name);
      if (tx.kv.get(key) == null) {
        throw Errno.ENODATA.exception(name);
      }
      if ((a.flags() & (Attr.FLAG_IMMUTABLE | Attr.FLAG_APPEND)) != 0) {
        throw Errno.EPERM.exception("immutable or append-only file");
      }
      tx.kv.delete(key);
      tx.putAttr(ino, a.withCtime(m.now()));
      return null;
    });
  }
}
