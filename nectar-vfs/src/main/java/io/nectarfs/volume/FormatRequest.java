package io.nectarfs.volume;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Secrets;

/**
 * What {@link Volumes#format} needs beyond the format record: the storage URL with its
 * credentials (for the checks only), whether incompatible changes are forced, the new root
 * directory's mode and owner, the secrets and the clock. Immutable; start from {@link
 * #defaults()}.
 */
public final class FormatRequest {
  private static final FormatRequest DEFAULTS = new FormatRequest(null, false, 0777, 0, 0, null, Clock.SYSTEM);

  private final String storageUrl;
  private final boolean force;
  private final int rootMode;
  private final int rootUid;
  private final int rootGid;
  private final Secrets secrets;
  private final Clock clock;

  private FormatRequest(String storageUrl, boolean force, int rootMode, int rootUid, int rootGid, Secrets secrets, Clock clock) {
    this.storageUrl = storageUrl;
    this.force = force;
    this.rootMode = rootMode;
    this.rootUid = rootUid;
    this.rootGid = rootGid;
    this.secrets = secrets;
    this.clock = clock;
  }

  /** The record's own storage URL, no force, a root of mode 0777 owned by 0:0, secrets from the environment. */
  public static FormatRequest defaults() {
    return DEFAULTS;
  }

  /** The storage URL to check, possibly with credentials (null: the record's). */
  public String storageUrl() {
    return storageUrl;
  }

  public boolean force() {
    return force;
  }

  public int rootMode() {
    return rootMode;
  }

  public int rootUid() {
    return rootUid;
  }

  public int rootGid() {
    return rootGid;
  }

  public Secrets secrets() {
    return secrets != null ? secrets : Secrets.fromEnvironment();
  }

  public Clock clock() {
    return clock;
  }

  public FormatRequest withStorageUrl(String url) {
    return new FormatRequest(url, force, rootMode, rootUid, rootGid, secrets, clock);
  }

  public FormatRequest withForce(boolean f) {
    return new FormatRequest(storageUrl, f, rootMode, rootUid, rootGid, secrets, clock);
  }

  /** The root directory of a new volume: permission bits (sticky included) and owner; a later format leaves them alone. */
  public FormatRequest withRoot(int mode, int uid, int gid) {
    if ((mode & ~07777) != 0 || uid < 0 || gid < 0) {
      throw new IllegalArgumentException("root mode must be an octal mode up to 7777 and its owner non-negative ids");
    }
    return new FormatRequest(storageUrl, force, mode, uid, gid, secrets, clock);
  }

  public FormatRequest withSecrets(Secrets s) {
    return new FormatRequest(storageUrl, force, rootMode, rootUid, rootGid, s, clock);
  }

  public FormatRequest withClock(Clock c) {
    return new FormatRequest(storageUrl, force, rootMode, rootUid, rootGid, secrets, c);
  }
}
