package io.nectarfs.meta;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A client registered on the volume.
 *
 * <p>Stored as JSON after the expiry in the session record ({@code S E sid}, see {@link Keys}).
 * Fields added later decode as empty from records written before them, and fields this version
 * does not know are ignored, so clients of neighbouring versions read each other's sessions;
 * {@code adverts} is written only when there are some, so older clients that reject unknown fields
 * still read the sessions of clients that advertise nothing.
 *
 * @param sid session id
 * @param expireMillis when it is considered dead unless it heartbeats again
 * @param host host name
 * @param pid process id
 * @param mountPoint what the client serves (a path, "gateway", "cli")
 * @param version client version
 * @param startMillis when it started
 * @param adverts what the client tells other clients about itself ({@link MetaClient#advertise}),
 *     opaque to the metadata (a cache group member: group, address, weight, cache size); never
 *     null, sorted by key, unmodifiable
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SessionInfo(long sid, long expireMillis, String host, long pid, String mountPoint, String version, long startMillis,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> adverts) {
  /** The most a session may advertise: UTF-8 bytes of all keys and values together. */
  public static final int MAX_ADVERT_BYTES = 4096;

  public SessionInfo {
    adverts = adverts == null || adverts.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(adverts));
  }

  /** A session that advertises nothing. */
  public SessionInfo(long sid, long expireMillis, String host, long pid, String mountPoint, String version, long startMillis) {
    this(sid, expireMillis, host, pid, mountPoint, version, startMillis, Map.of());
  }

  /** This session with {@code a} as its adverts. */
  public SessionInfo withAdverts(Map<String, String> a) {
    return new SessionInfo(sid, expireMillis, host, pid, mountPoint, version, startMillis, a);
  }

  /** This session with another expiry. */
  SessionInfo withExpireMillis(long e) {
    return new SessionInfo(sid, e, host, pid, mountPoint, version, startMillis, adverts);
  }

  /**
   * Checks adverts before they are stored: keys non-empty, no null key or value, at most {@link
   * #MAX_ADVERT_BYTES} UTF-8 bytes of keys and values together; returns a sorted unmodifiable copy.
   *
   * @throws FsException EINVAL naming the rule broken
   */
  static Map<String, String> checkAdverts(Map<String, String> adverts) throws FsException {
    if (adverts == null) {
      throw Errno.EINVAL.exception("session adverts must be a map (empty for none)");
    }
    long bytes = 0;
    TreeMap<String, String> copy = new TreeMap<>();
    for (Map.Entry<String, String> e : adverts.entrySet()) {
      if (e.getKey() == null || e.getKey().isEmpty() || e.getValue() == null) {
        throw Errno.EINVAL.exception("session adverts need non-empty keys and non-null values (key " + e.getKey() + ")");
      }
      bytes += e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().getBytes(StandardCharsets.UTF_8).length;
      copy.put(e.getKey(), e.getValue());
    }
    if (bytes > MAX_ADVERT_BYTES) {
      throw Errno.EINVAL.exception("session adverts take " + bytes + " bytes of keys and values, at most " + MAX_ADVERT_BYTES + " are allowed");
    }
    return Collections.unmodifiableMap(copy);
  }
}
