package io.nectarfs.testkit;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;

/**
 * Round trips to a metadata engine per namespace operation, counted by a {@link RoundTripProxy}
 * the client talks through (issue #13: the count tests of each engine).
 *
 * <p>Each operation runs three times on fresh names in {@code dir} and the fewest round trips
 * count: anything else on the wire in the window (a pooled connection's first use of a statement, a
 * session's own background statement) adds trips to one run; a regression adds them to every run.
 *
 * @param release releasing the locks of an owner that never locked (every close does it)
 */
public record MetaRoundTrips(long create, long lookup, long getattr, long release, long rename, long unlink) {

  /** Formats a fresh test volume named {@code name} on {@code kv} and opens a client without background jobs. */
  public static MetaClient formatAndOpen(TxnKv kv, String name) throws IOException {
    MetaClient.format(kv, Format.builder(name, "mem://" + name).checksum(false).createdMillis(System.currentTimeMillis())
        .storageLayout(Format.LAYOUT_NAME).build(), false, Clock.SYSTEM);
    return MetaClient.open(kv, MetaConfig.defaults().withBackground(false));
  }

  /**
   * A new directory {@code d} under the root, after one create, lookup, rename and unlink in it, so
   * the client's first uses are behind it (the inode batch allocated, the engine's statements or
   * scripts cached: Redis answers a script's first EVALSHA with NOSCRIPT, then EVAL): the directory
   * to measure in.
   */
  public static long warmDir(Meta m) throws IOException {
    long dir = m.mkdir(Ctx.ROOT, Meta.ROOT, "d", 0755, 0).ino();
    m.mknod(Ctx.ROOT, dir, "warm", FileType.FILE, 0644, 0, 0);
    m.lookup(Ctx.ROOT, dir, "warm");
    m.rename(Ctx.ROOT, dir, "warm", dir, "warm2", 0);
    m.unlink(Ctx.ROOT, dir, "warm2");
    return dir;
  }

  /** Measures on {@code m}, whose engine connection goes through {@code proxy}. */
  public static MetaRoundTrips measure(Meta m, RoundTripProxy proxy, long dir) throws IOException {
    long[] min = {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE};
    for (int i = 0; i < 3; i++) {
      String f = "rt-f" + i;
      String g = "rt-g" + i;
      long[] ino = {0};
      count(min, 0, proxy, () -> ino[0] = m.mknod(Ctx.ROOT, dir, f, FileType.FILE, 0644, 0, 0).ino());
      count(min, 1, proxy, () -> check(m.lookup(Ctx.ROOT, dir, f).ino() == ino[0], "lookup found another inode"));
      count(min, 2, proxy, () -> check(m.getattr(Ctx.ROOT, ino[0]).type() == FileType.FILE, "getattr: not a file"));
      count(min, 3, proxy, () -> m.releaseLocks(Ctx.ROOT, ino[0], 7));
      count(min, 4, proxy, () -> m.rename(Ctx.ROOT, dir, f, dir, g, 0));
      count(min, 5, proxy, () -> m.unlink(Ctx.ROOT, dir, g));
    }
    return new MetaRoundTrips(min[0], min[1], min[2], min[3], min[4], min[5]);
  }

  @FunctionalInterface
  private interface Op {
    void run() throws IOException;
  }

  private static void count(long[] min, int i, RoundTripProxy proxy, Op op) throws IOException {
    long before = proxy.trips();
    op.run();
    min[i] = Math.min(min[i], proxy.trips() - before);
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }
}
