package io.nectarfs.common;

import java.util.Arrays;

/**
 * Who performs an operation: the caller's uid, primary gid, supplementary gids and pid. The first
 * parameter of every metadata and VFS operation (no thread-locals).
 *
 * @param uid user id
 * @param gid primary group id
 * @param gids supplementary group ids (may include {@code gid}); never modified
 * @param pid process id, 0 when unknown
 */
public record Ctx(int uid, int gid, int[] gids, int pid) {
  /** The super-user, for internal and administrative work. */
  public static final Ctx ROOT = new Ctx(0, 0, new int[0], 0);

  public Ctx {
    gids = gids.clone();
  }

  /** A context for {@code uid}/{@code gid} with no supplementary groups. */
  public static Ctx of(int uid, int gid) {
    return new Ctx(uid, gid, new int[0], 0);
  }

  public boolean isRoot() {
    return uid == 0;
  }

  /** Whether the caller is in group {@code g} (primary or supplementary). */
  public boolean inGroup(int g) {
    if (gid == g) {
      return true;
    }
    for (int x : gids) {
      if (x == g) {
        return true;
      }
    }
    return false;
  }

  @Override
  public int[] gids() {
    return gids.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ctx c && c.uid == uid && c.gid == gid && c.pid == pid && Arrays.equals(c.gids, gids);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * uid + gid) + Arrays.hashCode(gids);
  }

  @Override
  public String toString() {
    return "Ctx[uid=" + uid + ", gid=" + gid + ", gids=" + Arrays.toString(gids) + ", pid=" + pid + "]";
  }
}
