package io.nectarfs.cache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which members of a cache group hold a block: weighted rendezvous hashing (highest random weight).
 *
 * <p>For a key {@code k} every member {@code m} gets the score {@code -w(m) / ln(h(m, k))}, where
 * {@code h} is a uniform number in (0, 1) from a 64-bit hash of the member's id and the key; the
 * member with the highest score owns the key, the next ones are its fallbacks ({@link #owners}).
 * This gives each member a share of the keys proportional to its weight, and when a member joins or
 * leaves only the keys it gains or held move (about {@code w / Σw} of them): every other key keeps
 * its owner, because the scores of the other members do not change. No table, no virtual nodes;
 * a lookup costs one hash per member, fine for groups of hundreds.
 *
 * <p>Deterministic across processes and versions of this class as long as the hash below is
 * unchanged (members of one group must agree; changing it moves every block once). Scores that tie
 * exactly are ordered by member id.
 *
 * <p>Immutable and thread-safe; a membership change builds a new ring ({@link #of}).
 */
public final class Ring {
  private static final Ring EMPTY = new Ring(new Member[0]);

  /** Members sorted by id. */
  private final Member[] members;
  /** Per member (same index), the hash of its id. */
  private final long[] seeds;

  private Ring(Member[] members) {
    this.members = members;
    this.seeds = new long[members.length];
    for (int i = 0; i < members.length; i++) {
      seeds[i] = hash(members[i].id());
    }
  }

  /**
   * The ring of {@code members} (order does not matter).
   *
   * @throws IllegalArgumentException if two members share an id
   */
  public static Ring of(Collection<Member> members) {
    if (members.isEmpty()) {
      return EMPTY;
    }
    Member[] ms = members.toArray(new Member[0]);
    Arrays.sort(ms, Comparator.comparing(Member::id));
    for (int i = 1; i < ms.length; i++) {
      if (ms[i].id().equals(ms[i - 1].id())) {
        throw new IllegalArgumentException("two members with id " + ms[i].id());
      }
    }
    return new Ring(ms);
  }

  /** The members, sorted by id. */
  public List<Member> members() {
    return List.of(members);
  }

  /** Whether the group has no member. */
  public boolean isEmpty() {
    return members.length == 0;
  }

  /** The member that holds {@code key}, or null when the ring is empty. */
  public Member owner(String key) {
    long kh = hash(key);
    int best = -1;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < members.length; i++) {
      double s = score(i, kh);
      if (s > bestScore) { // strict: on a tie the lower id (earlier in the array) stays
        best = i;
        bestScore = s;
      }
    }
    return best < 0 ? null : members[best];
  }

  /**
   * The first {@code n} distinct members for {@code key} in preference order: the owner, then the
   * member that would own it without the owner, and so on (fewer when the ring is smaller).
   */
  public List<Member> owners(String key, int n) {
    if (n < 0) {
      throw new IllegalArgumentException("negative count " + n);
    }
    long kh = hash(key);
    Integer[] idx = new Integer[members.length];
    double[] scores = new double[members.length];
    for (int i = 0; i < members.length; i++) {
      idx[i] = i;
      scores[i] = score(i, kh);
    }
    Arrays.sort(idx, (a, b) -> scores[a] != scores[b] ? Double.compare(scores[b], scores[a]) : Integer.compare(a, b));
    List<Member> out = new ArrayList<>(Math.min(n, members.length));
    for (int i = 0; i < Math.min(n, members.length); i++) {
      out.add(members[idx[i]]);
    }
    return out;
  }

  /** The ids of the members, for quick comparisons of two rings. */
  public Set<String> ids() {
    Set<String> s = new HashSet<>();
    for (Member m : members) {
      s.add(m.id());
    }
    return s;
  }

  private double score(int i, long keyHash) {
    long x = mix(seeds[i] ^ keyHash);
    // 53 random bits, shifted by half a step: h is in (0, 1), never 0 or 1, so ln(h) < 0
    double h = ((x >>> 11) + 0.5) * 0x1.0p-53;
    return -members[i].weight() / Math.log(h);
  }

  /** A 64-bit hash of a string's UTF-8 bytes: FNV-1a, then a full avalanche. */
  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return mix(h);
  }

  /** MurmurHash3's 64-bit finaliser: every input bit flips each output bit with probability ~1/2. */
  static long mix(long z) {
    z ^= z >>> 33;
    z *= 0xff51afd7ed558ccdL;
    z ^= z >>> 33;
    z *= 0xc4ceb9fe1a85ec53L;
    z ^= z >>> 33;
    return z;
  }

  @Override
  public String toString() {
    return "Ring" + Arrays.stream(members).map(Member::id).toList();
  }
}
