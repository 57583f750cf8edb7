package io.nectarfs.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Ctx;
import org.junit.jupiter.api.Test;

class IdentityMappingTest {
  private final Ctx alice = new Ctx(1000, 100, new int[] {100, 200, 300}, 42);

  @Test
  void none_changesNobody() {
    assertThat(IdentityMapping.NONE.isIdentity()).isTrue();
    assertThat(IdentityMapping.NONE.apply(alice)).isSameAs(alice);
  }

  @Test
  void uidAndGidTranslations_applyToPrimaryAndSupplementaryGroups() {
    IdentityMapping m = IdentityMapping.NONE.mapUid(1000, 0).mapGid(100, 1).mapGid(300, 3);
    Ctx c = m.apply(alice);
    assertThat(c.uid()).isZero();
    assertThat(c.gid()).isEqualTo(1);
    assertThat(c.gids()).containsExactly(1, 200, 3);
    assertThat(c.pid()).isEqualTo(42);
    assertThat(m.apply(Ctx.of(5, 6))).as("others pass unchanged").isEqualTo(Ctx.of(5, 6));
    assertThat(alice.gids()).as("the caller's context is not modified").containsExactly(100, 200, 300);
  }

  @Test
  void squashAll_makesEveryCallerOneUser_rootIncluded() {
    IdentityMapping m = IdentityMapping.NONE.mapUid(1000, 7).squashAll(65534, 65533);
    assertThat(m.apply(Ctx.ROOT)).isEqualTo(new Ctx(65534, 65533, new int[0], 0));
    Ctx c = m.apply(alice);
    assertThat(c.uid()).isEqualTo(65534);
    assertThat(c.gid()).isEqualTo(65533);
    assertThat(c.gids()).isEmpty();
    assertThat(c.pid()).isEqualTo(42);
  }

  @Test
  void laterMappingOfTheSameId_wins_andTheOriginalIsUnchanged() {
    IdentityMapping first = IdentityMapping.NONE.mapUid(1000, 1);
    IdentityMapping second = first.mapUid(1000, 2);
    assertThat(first.apply(alice).uid()).isEqualTo(1);
    assertThat(second.apply(alice).uid()).isEqualTo(2);
  }

  @Test
  void negativeIds_areRefused() {
    assertThatThrownBy(() -> IdentityMapping.NONE.mapUid(-1, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    assertThatThrownBy(() -> IdentityMapping.NONE.squashAll(0, -2)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void mappedCaller_keepsTheCallsCancellationAndDeadline() {
    io.nectarfs.common.Cancellation token = io.nectarfs.common.Cancellation.create();
    io.nectarfs.common.Deadline deadline = io.nectarfs.common.Deadline.after(io.nectarfs.common.Clock.SYSTEM, java.time.Duration.ofHours(1));
    Ctx call = new Ctx(1000, 1000, new int[] {1000}, 7).withCancellation(token).withDeadline(deadline);
    for (IdentityMapping m : new IdentityMapping[] {IdentityMapping.NONE.mapUid(1000, 2000), IdentityMapping.NONE.squashAll(65534, 65534)}) {
      Ctx mapped = m.apply(call);
      assertThat(mapped.uid()).isNotEqualTo(1000);
      assertThat(mapped.pid()).isEqualTo(7);
      assertThat(mapped.deadline()).isEqualTo(deadline);
      token.cancel();
      assertThat(mapped.isCancelled()).as("an INTERRUPT of the call reaches the mapped caller").isTrue();
    }
  }
}
