package io.nectarfs.meta.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.MetaRoundTrips;
import io.nectarfs.testkit.RoundTripProxy;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Round trips to Redis per metadata operation (issue #13: at most two for create, lookup, getattr,
 * unlink and rename; before the commit script and read-ahead they took 13, 9, 5, 20 and 12),
 * counted by a relay in front of Redis so the count is exact and a regression shows. Operations
 * run on an uncontended volume after a warm-up.
 */
class RedisRoundTripsTest {

  @Test
  void createLookupGetattrUnlinkRename_takeFewRoundTrips() throws Exception {
    String base = RedisTestSupport.url(RedisTestSupport.uniquePrefix());
    try {
      run(base);
    } finally {
      try (TxnKv cleanup = MetaEngines.registry().open(base, new Secrets(Map.of()))) {
        cleanup.reset();
      }
    }
  }

  private static void run(String base) throws Exception {
    try (RoundTripProxy proxy = RoundTripProxy.inFrontOf(base);
        TxnKv kv = MetaEngines.registry().open(proxy.via(base), new Secrets(Map.of()))) {
      kv.reset();
      try (MetaClient m = MetaRoundTrips.formatAndOpen(kv, "trips-vol")) {
        long dir = MetaRoundTrips.warmDir(m);

        MetaRoundTrips t = MetaRoundTrips.measure(m, proxy, dir);
        long create = t.create();
        long lookup = t.lookup();
        long getattr = t.getattr();
        long release = t.release();
        long rename = t.rename();
        long unlink = t.unlink();

        assertThat(create).as("round trips of create").isLessThanOrEqualTo(2);
        assertThat(lookup).as("round trips of lookup").isLessThanOrEqualTo(2);
        assertThat(getattr).as("round trips of getattr").isLessThanOrEqualTo(1);
        // Every flush and close releases the owner's locks: none taken, nothing to ask.
        assertThat(release).as("round trips of releasing locks never taken").isZero();
        // The entry names the inode; the inode this client last saw under the name is read ahead
        // with the entry (and, for unlink, its extended attributes and locks), then the commit.
        assertThat(rename).as("round trips of rename").isLessThanOrEqualTo(2);
        assertThat(unlink).as("round trips of unlink").isLessThanOrEqualTo(2);

        // A name this client never saw: the entry first, then its inode, then the commit.
        long other = m.mknod(Ctx.ROOT, dir, "h", FileType.FILE, 0644, 0, 0).ino();
        try (MetaClient m2 = MetaClient.open(MetaEngines.registry().open(proxy.via(base),
            new Secrets(Map.of())), MetaConfig.defaults().withBackground(false))) {
          long before = proxy.trips();
          m2.unlink(Ctx.ROOT, dir, "h");
          assertThat(proxy.trips() - before).as("round trips of unlink without a hint").isLessThanOrEqualTo(3);
        }
        assertThat(other).isPositive();
      }
    }
  }

  @Test
  void aStaleHintIsNeverTrusted() throws Exception {
    String base = RedisTestSupport.url(RedisTestSupport.uniquePrefix());
    try (TxnKv kv = MetaEngines.registry().open(base, new Secrets(Map.of()))) {
      kv.reset();
      try {
        MetaClient.format(kv, Format.builder("hints-vol", "mem://hints").checksum(false).createdMillis(System.currentTimeMillis())
            .storageLayout(Format.LAYOUT_NAME).build(), false, Clock.SYSTEM);
        try (MetaClient a = MetaClient.open(MetaEngines.registry().open(base, new Secrets(Map.of())), MetaConfig.defaults().withBackground(false));
            MetaClient b = MetaClient.open(MetaEngines.registry().open(base, new Secrets(Map.of())), MetaConfig.defaults().withBackground(false))) {
          long dir = a.mkdir(Ctx.ROOT, Meta.ROOT, "d", 0755, 0).ino();
          long first = a.mknod(Ctx.ROOT, dir, "x", FileType.FILE, 0644, 0, 0).ino(); // a's hint: x -> first
          long second = b.mknod(Ctx.ROOT, dir, "y", FileType.FILE, 0600, 0, 0).ino();
          b.rename(Ctx.ROOT, dir, "y", dir, "x", 0); // x now names second; first is gone
          assertThat(a.lookup(Ctx.ROOT, dir, "x").ino()).isEqualTo(second);
          long third = b.mknod(Ctx.ROOT, dir, "z", FileType.FILE, 0644, 0, 0).ino();
          b.rename(Ctx.ROOT, dir, "z", dir, "x", 0); // a's hint (second) is stale again
          a.unlink(Ctx.ROOT, dir, "x");
          assertThatThrownBy(() -> b.getattr(Ctx.ROOT, third)).isInstanceOf(io.nectarfs.common.FsException.class);
          assertThatThrownBy(() -> a.lookup(Ctx.ROOT, dir, "x")).isInstanceOf(io.nectarfs.common.FsException.class);
          assertThat(first).isNotEqualTo(second);
        }
      } finally {
        kv.reset();
      }
    }
  }
}
