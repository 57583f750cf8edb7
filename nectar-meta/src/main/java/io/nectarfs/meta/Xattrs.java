package io.nectarfs.meta;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.meta.kv.Bytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Extended attributes: one key per (inode, name). */
final class Xattrs {
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
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME) {
      throw Errno.ERANGE.exception("attribute name longer than " + MAX_NAME + " bytes");
    }
  }

  byte[] get(Ctx ctx, long ino, String name) throws IOException {
    checkName(name);
    return m.readTx(tx -> {
      tx.attr(ino);
      byte[] v = tx.kv.get(Keys.xattr(ino, name));
      if (v == null) {
        throw Errno.ENODATA.exception(name);
      }
      return v;
    });
  }

  List<String> list(Ctx ctx, long ino) throws IOException {
    return m.readTx(tx -> {
      tx.attr(ino);
      List<String> out = new ArrayList<>();
      byte[] p = Keys.xattrPrefix(ino);
      tx.kv.scan(p, Bytes.prefixEnd(p), 0, (k, v) -> {
        out.add(Keys.xattrName(k));
        return true;
      });
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
    m.tx(tx -> {
      Attr a = tx.attr(ino);
      if ((a.flags() & (Attr.FLAG_IMMUTABLE | Attr.FLAG_APPEND)) != 0) {
        throw Errno.EPERM.exception("immutable or append-only file");
      }
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

  void remove(Ctx ctx, long ino, String name) throws IOException {
    checkName(name);
    m.tx(tx -> {
      Attr a = tx.attr(ino);
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
