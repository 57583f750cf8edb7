package io.nectarfs.meta;

import io.nectarfs.common.Clock;
import java.time.Duration;

/**
 * How a client uses the metadata: runtime settings that are not part of the volume's format.
 *
 * @param readOnly no session, every change fails with EROFS
 * @param heartbeat how often the session is refreshed; it expires after 5 heartbeats
 * @param background whether a background thread runs deferred deletion, session cleanup, trash
 *     expiry and counter flushes (off in tests that call {@link Meta#runBackgroundJobs})
 * @param clock time source
 * @param deleter frees the objects of unreferenced slices
 * @param mountPoint what this client serves, shown by {@code nectar status}
 */
public record MetaConfig(boolean readOnly, Duration heartbeat, boolean background, Clock clock, SliceDeleter deleter, String mountPoint) {
  public static MetaConfig defaults() {
    return new MetaConfig(false, Duration.ofSeconds(12), true, Clock.SYSTEM, SliceDeleter.NONE, "");
  }

  public MetaConfig withReadOnly(boolean ro) {
    return new MetaConfig(ro, heartbeat, background, clock, deleter, mountPoint);
  }

  public MetaConfig withBackground(boolean b) {
    return new MetaConfig(readOnly, heartbeat, b, clock, deleter, mountPoint);
  }

  public MetaConfig withClock(Clock c) {
    return new MetaConfig(readOnly, heartbeat, background, c, deleter, mountPoint);
  }

  public MetaConfig withDeleter(SliceDeleter d) {
    return new MetaConfig(readOnly, heartbeat, background, clock, d, mountPoint);
  }

  public MetaConfig withHeartbeat(Duration h) {
    return new MetaConfig(readOnly, h, background, clock, deleter, mountPoint);
  }

  public MetaConfig withMountPoint(String m) {
    return new MetaConfig(readOnly, heartbeat, background, clock, deleter, m);
  }
}
