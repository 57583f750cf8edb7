package io.nectarfs.meta;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Metrics;
import java.time.Duration;

/**
 * How a client uses the metadata: runtime settings that are not part of the volume's format.
 *
 * @param readOnly no session, every change fails with EROFS
 * @param heartbeat how often the session is refreshed; it expires after 5 heartbeats
 * @param background whether a background thread runs deferred deletion, session cleanup, trash
 *     expiry and counter flushes (off in tests that call {@link Meta#runBackgroundJobs})
 * @param clock time source
 * @param mountPoint what this client serves, shown by {@code nectar status}
 * @param freeDelay how long unreferenced slices wait before their objects are deleted, so that
 *     other clients still reading from slice lists they cached (for at most their attribute cache
 *     time) find the data
 * @param metrics the process registry the client records in (session heartbeats); disabled by
 *     default
 * @param resumeSession 0 to register a new session; otherwise the id of a live session a
 *     predecessor left with {@link Meta#handOver()}, which this client continues (a takeover:
 *     its open-but-unlinked files, removed open directories and locks stay)
 */
public record MetaConfig(boolean readOnly, Duration heartbeat, boolean background, Clock clock, String mountPoint, Duration freeDelay,
    Metrics metrics, long resumeSession) {
  public MetaConfig {
    if (resumeSession < 0 || (readOnly && resumeSession != 0)) {
      throw new IllegalArgumentException("a session to resume is a positive id, and only for a writable client");
    }
  }

  public MetaConfig(boolean readOnly, Duration heartbeat, boolean background, Clock clock, String mountPoint, Duration freeDelay,
      Metrics metrics) {
    this(readOnly, heartbeat, background, clock, mountPoint, freeDelay, metrics, 0);
  }

  public MetaConfig(boolean readOnly, Duration heartbeat, boolean background, Clock clock, String mountPoint) {
    this(readOnly, heartbeat, background, clock, mountPoint, Duration.ofSeconds(30), Metrics.disabled());
  }

  /** Continues session {@code sid} (left by {@link Meta#handOver()}) instead of registering one; 0: a new session. */
  public MetaConfig withResumeSession(long sid) {
    return new MetaConfig(readOnly, heartbeat, background, clock, mountPoint, freeDelay, metrics, sid);
  }

  public static MetaConfig defaults() {
    return new MetaConfig(false, Duration.ofSeconds(12), true, Clock.SYSTEM, "");
  }

  public MetaConfig withFreeDelay(Duration d) {
    return new MetaConfig(readOnly, heartbeat, background, clock, mountPoint, d, metrics, resumeSession);
  }

  public MetaConfig withReadOnly(boolean ro) {
    return new MetaConfig(ro, heartbeat, background, clock, mountPoint, freeDelay, metrics, resumeSession);
  }

  public MetaConfig withBackground(boolean b) {
    return new MetaConfig(readOnly, heartbeat, b, clock, mountPoint, freeDelay, metrics, resumeSession);
  }

  public MetaConfig withClock(Clock c) {
    return new MetaConfig(readOnly, heartbeat, background, c, mountPoint, freeDelay, metrics, resumeSession);
  }

  public MetaConfig withHeartbeat(Duration h) {
    return new MetaConfig(readOnly, h, background, clock, mountPoint, freeDelay, metrics, resumeSession);
  }

  public MetaConfig withMountPoint(String m) {
    return new MetaConfig(readOnly, heartbeat, background, clock, m, freeDelay, metrics, resumeSession);
  }

  public MetaConfig withMetrics(Metrics m) {
    return new MetaConfig(readOnly, heartbeat, background, clock, mountPoint, freeDelay, m, resumeSession);
  }
}
