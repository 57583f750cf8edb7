package io.nectarfs.meta.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.MetaRoundTrips;
import io.nectarfs.testkit.RoundTripProxy;
import io.nectarfs.testkit.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Round trips to PostgreSQL per metadata operation (issue #13), counted by a relay in front of the
 * server so a regression shows: each transaction costs BEGIN, its statements and COMMIT, so the
 * count is the statements per operation plus two. Reads an operation can name up front are one
 * statement ({@code KvTxn.prefetch}), a key is never selected twice in a transaction, and its
 * writes go in one upsert and one delete at commit.
 */
class PostgresRoundTripsTest {

  @AfterAll
  static void dropTables() throws Exception {
    assertThat(ServerTests.dropTables(System.getenv(TestServices.POSTGRES))).as("tables of this run left on the server").isEmpty();
  }

  /** A test body on a fresh volume whose PostgreSQL connection goes through {@code proxy}; {@code dir} is warmed up. */
  @FunctionalInterface
  private interface Trips {
    void run(MetaClient m, RoundTripProxy proxy, long dir) throws Exception;
  }

  private static void onFreshVolume(String name, Trips body) throws Exception {
    String base = ServerTests.prefixed(TestServices.require(TestServices.POSTGRES), name);
    try (RoundTripProxy proxy = RoundTripProxy.inFrontOf(base);
        TxnKv kv = ServerTests.open(proxy.via(base));
        MetaClient m = MetaRoundTrips.formatAndOpen(kv, name + "-vol")) {
      body.run(m, proxy, MetaRoundTrips.warmDir(m));
    }
  }

  @Test
  void createLookupGetattrUnlinkRename_countRoundTrips() throws Exception {
    onFreshVolume("trips", (m, proxy, dir) -> {
      MetaRoundTrips t = MetaRoundTrips.measure(m, proxy, dir);
      // Before read-ahead and the per-transaction read cache: 12, 5, 3, 11 and 17; before writes
      // were sent together at commit (one statement per write): 8, 4, 3, 8 and 13; lookup and
      // getattr 3 before a read of one statement ran it alone (no BEGIN and COMMIT).
      assertThat(t.create()).as("round trips of create").isLessThanOrEqualTo(4);
      assertThat(t.lookup()).as("round trips of lookup").isLessThanOrEqualTo(1);
      assertThat(t.getattr()).as("round trips of getattr").isLessThanOrEqualTo(1);
      assertThat(t.rename()).as("round trips of rename").isLessThanOrEqualTo(5);
      assertThat(t.unlink()).as("round trips of unlink").isLessThanOrEqualTo(7);
    });
  }

  @Test
  void listxattr_beginsItsSnapshotBeforeItReadsTheAttributes() throws Exception {
    onFreshVolume("tripsx", (m, proxy, dir) -> {
      long ino = m.mknod(Ctx.ROOT, dir, "x", FileType.FILE, 0644, 0, 0).ino();
      m.setxattr(Ctx.ROOT, ino, "user.a", new byte[] {1}, 0);
      long fewest = Long.MAX_VALUE;
      for (int i = 0; i < 3; i++) { // the fewest count: see MetaRoundTrips
        long before = proxy.trips();
        assertThat(m.listxattr(Ctx.ROOT, ino)).containsExactly("user.a");
        fewest = Math.min(fewest, proxy.trips() - before);
      }
      // BEGIN, the attributes, the names, COMMIT; 5 when the attributes were read alone first
      // and then again in the snapshot the scan began.
      assertThat(fewest).as("round trips of listxattr").isLessThanOrEqualTo(4);
    });
  }
}
