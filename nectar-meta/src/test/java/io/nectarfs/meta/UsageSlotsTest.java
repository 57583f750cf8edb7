package io.nectarfs.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link UsageSlots}: running transactions of one client never share a usage key while slots remain. */
class UsageSlotsTest {
  private final UsageSlots slots = new UsageSlots();

  @Test
  void leasesHeldAtOnceAreDistinct_untilAllAreTaken_thenOneIsShared() {
    Set<Integer> held = new HashSet<>();
    for (int i = 0; i < UsageSlots.SLOTS; i++) {
      assertThat(held.add(slots.acquire())).as("lease %d is new", i).isTrue();
    }
    assertThat(held).allMatch(s -> s >= 0 && s < UsageSlots.SLOTS);
    int shared = slots.acquire();
    assertThat(UsageSlots.slot(shared)).isBetween(0, UsageSlots.SLOTS - 1);
    slots.release(shared); // a shared lease frees nothing
    slots.release(17);
    assertThat(slots.acquire()).as("the one slot released").isEqualTo(17);
  }

  @Test
  void twoTransactionsOnTheSameThread_withTheirOwnLeases_writeDifferentUsageKeys() {
    Tx a = new Tx(null, 42, slots.acquire());
    Tx b = new Tx(null, 42, slots.acquire());
    assertThat(a.usageKey()).isNotEqualTo(b.usageKey());
    assertThat(new Tx(null, 0, slots.acquire()).usageKey()).as("sessionless work uses the base").isEqualTo(Keys.USAGE_BASE);
  }
}
