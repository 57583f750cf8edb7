package io.nectarfs.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.meta.SessionInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MembershipTest {
  static final long NOW = 1_000_000;

  static SessionInfo session(long sid, long expire, long start, Map<String, String> adverts) {
    return new SessionInfo(sid, expire, "host", 100 + sid, "/mnt", "v", start, adverts);
  }

  @Test
  void liveSessionsOfTheGroupAreItsMembers_expiredOthersAndMalformedAreNot() {
    Map<String, String> bad = new HashMap<>(Membership.advert("gpu", "10.0.0.9", 7000, 1, 0));
    bad.put(Membership.WEIGHT, "heavy");
    List<SessionInfo> sessions = List.of(
        session(1, NOW + 1, 0, Membership.advert("gpu", "10.0.0.1", 7000, 2, 1 << 30)),
        session(2, NOW + 1, 0, Membership.advert("cpu", "10.0.0.2", 7000, 1, 0)),
        session(3, NOW, 0, Membership.advert("gpu", "10.0.0.3", 7000, 1, 0)), // expired
        session(4, NOW + 1, 0, Map.of()),
        session(5, NOW + 1, 0, bad),
        session(6, NOW + 1, 0, Membership.advert("gpu", "::1", 7001, 1, 0)));
    assertThat(Membership.members(sessions, "gpu", NOW)).containsExactly(
        new Member("10.0.0.1:7000", "10.0.0.1", 7000, 2, 1 << 30),
        new Member("[::1]:7001", "::1", 7001, 1, 0));
  }

  @Test
  void aRestartedMemberCountsOnce_asItsNewestSession() {
    List<SessionInfo> sessions = List.of(
        session(1, NOW + 1, 10, Membership.advert("gpu", "10.0.0.1", 7000, 1, 0)),
        session(2, NOW + 1, 20, Membership.advert("gpu", "10.0.0.1", 7000, 3, 0)));
    assertThat(Membership.members(sessions, "gpu", NOW)).containsExactly(new Member("10.0.0.1:7000", "10.0.0.1", 7000, 3, 0));
  }
}
