package io.nectarfs.volume;

import io.nectarfs.common.Ctx;
import java.util.HashMap;
import java.util.Map;

/**
 * How the caller identities of a front end become the identities the volume sees: single uid and
 * gid translations ({@code a → b}), or all-squash (every caller becomes one uid and gid, as NFS's
 * {@code all_squash}). {@link Volume} applies it to every {@link Ctx} entering its VFS; the
 * metadata handle {@link Volume#meta()} is not mapped (administration).
 *
 * <p>Immutable and thread-safe. With all-squash set, the uid/gid translations are ignored.
 */
public final class IdentityMapping {
  /** No mapping: callers are who they say they are. */
  public static final IdentityMapping NONE = new IdentityMapping(Map.of(), Map.of(), null, null);

  private final Map<Integer, Integer> uids;
  private final Map<Integer, Integer> gids;
  private final Integer squashUid;
  private final Integer squashGid;

  private IdentityMapping(Map<Integer, Integer> uids, Map<Integer, Integer> gids, Integer squashUid, Integer squashGid) {
    this.uids = Map.copyOf(uids);
    this.gids = Map.copyOf(gids);
    this.squashUid = squashUid;
    this.squashGid = squashGid;
  }

  /** This mapping with uid {@code from} seen as {@code to}. */
  public IdentityMapping mapUid(int from, int to) {
    checkId(from);
    checkId(to);
    Map<Integer, Integer> m = new HashMap<>(uids);
    m.put(from, to);
    return new IdentityMapping(m, gids, squashUid, squashGid);
  }

  /** This mapping with gid {@code from} (primary or supplementary) seen as {@code to}. */
  public IdentityMapping mapGid(int from, int to) {
    checkId(from);
    checkId(to);
    Map<Integer, Integer> m = new HashMap<>(gids);
    m.put(from, to);
    return new IdentityMapping(uids, m, squashUid, squashGid);
  }

  /** This mapping with every caller (root included) seen as {@code uid:gid} with no supplementary groups. */
  public IdentityMapping squashAll(int uid, int gid) {
    checkId(uid);
    checkId(gid);
    return new IdentityMapping(uids, gids, uid, gid);
  }

  /** Whether this mapping changes no caller. */
  public boolean isIdentity() {
    return squashUid == null && uids.isEmpty() && gids.isEmpty();
  }

  /** The caller as the volume sees it (the same instance when nothing changes). */
  public Ctx apply(Ctx ctx) {
    if (isIdentity()) {
      return ctx;
    }
    if (squashUid != null) {
      return ctx.as(squashUid, squashGid, new int[0]);
    }
    int[] groups = ctx.gids();
    for (int i = 0; i < groups.length; i++) {
      groups[i] = gids.getOrDefault(groups[i], groups[i]);
    }
    return ctx.as(uids.getOrDefault(ctx.uid(), ctx.uid()), gids.getOrDefault(ctx.gid(), ctx.gid()), groups);
  }

  private static void checkId(int id) {
    if (id < 0) {
      throw new IllegalArgumentException("user and group ids must not be negative, got " + id);
    }
  }

  @Override
  public String toString() {
    return squashUid != null ? "squash all to " + squashUid + ":" + squashGid : "uids " + uids + ", gids " + gids;
  }
}
