package io.nectarfs.cache;

import io.nectarfs.meta.SessionInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cache group membership carried by the metadata engine: a member advertises its group, peer
 * address, weight and cache size in its session record ({@link io.nectarfs.meta.MetaClient#advertise});
 * the members of a group are the live sessions that advertise it. A session that ends or expires
 * takes its advert with it, so a dead member drops out when its session does.
 *
 * <p>Stateless helpers.
 */
final class Membership {
  private static final Logger log = LoggerFactory.getLogger(Membership.class);
  static final String GROUP = "cache.group";
  static final String ADDRESS = "cache.address";
  static final String WEIGHT = "cache.weight";
  static final String BYTES = "cache.bytes";

  private Membership() {}

  /** What a member of {@code group} serving at {@code host:port} advertises. */
  static Map<String, String> advert(String group, String host, int port, double weight, long cacheBytes) {
    Map<String, String> a = new LinkedHashMap<>();
    a.put(GROUP, group);
    a.put(ADDRESS, address(host, port));
    a.put(WEIGHT, Double.toString(weight));
    a.put(BYTES, Long.toString(cacheBytes));
    return a;
  }

  /** {@code host:port}, an IPv6 literal in brackets: a member's id. */
  static String address(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /**
   * The members of {@code group} among {@code sessions} that have not expired at {@code nowMillis};
   * two sessions advertising one address (a member restarted before its old session expired) count
   * once, as the newer. Malformed adverts are skipped (and logged at debug).
   */
  static List<Member> members(List<SessionInfo> sessions, String group, long nowMillis) {
    Map<String, SessionInfo> byAddress = new LinkedHashMap<>();
    Map<String, Member> members = new LinkedHashMap<>();
    for (SessionInfo s : sessions) {
      Map<String, String> a = s.adverts();
      if (!group.equals(a.get(GROUP)) || s.expireMillis() <= nowMillis) {
        continue;
      }
      try {
        Member m = parse(a);
        SessionInfo seen = byAddress.get(m.id());
        if (seen == null || seen.startMillis() < s.startMillis()) {
          byAddress.put(m.id(), s);
          members.put(m.id(), m);
        }
      } catch (RuntimeException e) {
        log.debug("session {} advertises a malformed cache group member: {}", s.sid(), e.getMessage());
      }
    }
    List<Member> out = new ArrayList<>(members.values());
    out.sort(Comparator.comparing(Member::id));
    return out;
  }

  private static Member parse(Map<String, String> a) {
    String addr = a.get(ADDRESS);
    int colon = addr.lastIndexOf(':');
    String host = addr.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = Integer.parseInt(addr.substring(colon + 1));
    return new Member(address(host, port), host, port, Double.parseDouble(a.get(WEIGHT)), Long.parseLong(a.get(BYTES)));
  }
}
