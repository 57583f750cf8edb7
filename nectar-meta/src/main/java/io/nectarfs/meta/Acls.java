package io.nectarfs.meta;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.kv.Bytes;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Permission checks (mode bits or POSIX ACL) and the interned ACL rules: {@code R id(4)} holds an
 * encoded {@link AclRule}; an inode refers to its access and default rule by id (0: none).
 *
 * <p>Concurrency: a rule never changes once stored under an id, so the cache (a concurrent map)
 * needs no invalidation. Interning runs inside the caller's transaction: it scans the few rules
 * for an equal one and otherwise takes the next id from counter {@code nextAcl}; two clients
 * interning the same new rule at once conflict and one retries, so each distinct rule is stored
 * once. Invariant: ids are never reused.
 */
final class Acls {
  static final byte[] PREFIX = {'R'};
  private final Map<Integer, AclRule> cache = new ConcurrentHashMap<>();

  static byte[] key(int id) {
    byte[] k = new byte[5];
    k[0] = 'R';
    Bytes.putU32(k, 1, id);
    return k;
  }

  AclRule get(Tx tx, int id) throws IOException {
    AclRule r = cache.get(id);
    if (r != null) {
      return r;
    }
    byte[] v = tx.kv.get(key(id));
    if (v == null) {
      throw Errno.EIO.exception("ACL rule " + id + " is missing");
    }
    r = AclRule.decode(v);
    cache.put(id, r);
    return r;
  }

  /** The id of {@code rule}, storing it if no equal rule exists. */
  int intern(Tx tx, AclRule rule) throws IOException {
    for (Map.Entry<Integer, AclRule> e : cache.entrySet()) {
      if (e.getValue().equals(rule) && tx.kv.get(key(e.getKey())) != null) {
        return e.getKey();
      }
    }
    int[] found = {0};
    tx.kv.scan(PREFIX, Bytes.prefixEnd(PREFIX), 0, (k, v) -> {
      AclRule r = AclRule.decode(v);
      cache.putIfAbsent(Bytes.getU32(k, 1), r);
      if (r.equals(rule)) {
        found[0] = Bytes.getU32(k, 1);
        return false;
      }
      return true;
    });
    if (found[0] != 0) {
      return found[0];
    }
    int id = (int) tx.kv.incrBy(Keys.counter("nextAcl"), 1);
    tx.kv.put(key(id), rule.encode());
    return id;
  }

  /** Whether {@code ctx} may access {@code a} for {@code mask} (R=4, W=2, X=1), with its ACL if any. */
  boolean allowed(Tx tx, Ctx ctx, Attr a, int mask) throws IOException {
    if (a.accessAcl() == 0 || mask == 0 || ctx.isRoot() || ctx.uid() == a.uid()) {
      return Access.allowed(ctx, a, mask);
    }
    AclRule r = get(tx, a.accessAcl());
    int m = r.mask() == AclRule.NO_MASK ? 7 : r.mask();
    for (AclRule.Named u : r.users()) {
      if (u.id() == ctx.uid()) {
        return (u.perm() & m & mask) == mask;
      }
    }
    boolean inSomeGroup = false;
    if (ctx.inGroup(a.gid())) {
      inSomeGroup = true;
      if ((r.group() & m & mask) == mask) {
        return true;
      }
    }
    for (AclRule.Named g : r.groups()) {
      if (ctx.inGroup(g.id())) {
        inSomeGroup = true;
        if ((g.perm() & m & mask) == mask) {
          return true;
        }
      }
    }
    if (inSomeGroup) {
      return false;
    }
    return ((a.mode() & 7) & mask) == mask;
  }

  void check(Tx tx, Ctx ctx, Attr a, int mask, String what) throws IOException {
    if (!allowed(tx, ctx, a, mask)) {
      throw Errno.EACCES.exception(what);
    }
  }

  /** The access ACL of {@code a} (its mode bits when it has none). */
  AclRule accessOf(Tx tx, Attr a) throws IOException {
    return a.accessAcl() == 0 ? AclRule.ofMode(a.mode()) : get(tx, a.accessAcl());
  }

  /** chmod keeping an access ACL consistent: returns the inode with the new mode and rule id. */
  Attr chmod(Tx tx, Attr a, int mode) throws IOException {
    Attr n = a.withMode(mode);
    if (a.accessAcl() == 0) {
      return n;
    }
    AclRule r = get(tx, a.accessAcl()).chmod(mode);
    return n.withAcl(intern(tx, r), a.defaultAcl());
  }

  /** The setgid rule of posix_acl_update_mode: a non-member (not root) loses setgid. */
  static int updateMode(Ctx ctx, Attr a, AclRule r) throws FsException {
    int mode = (a.mode() & ~0777) | r.modeBits();
    if (!ctx.isRoot() && !ctx.inGroup(a.gid())) {
      mode &= ~02000;
    }
    return mode;
  }
}
