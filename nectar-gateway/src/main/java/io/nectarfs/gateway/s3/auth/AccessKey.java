package io.nectarfs.gateway.s3.auth;

import java.util.Arrays;

/**
 * One configured access key: its id and secret and the local user it acts as. {@link #toString}
 * never shows the secret.
 */
public record AccessKey(String id, String secret, int uid, int gid, int[] groups, boolean readOnly) {
  public AccessKey {
    groups = groups.clone();
  }

  @Override
  public int[] groups() {
    return groups.clone();
  }

  public Principal principal() {
    return new Principal(id, uid, gid, groups, readOnly);
  }

  @Override
  public String toString() {
    return "AccessKey[" + id + " uid=" + uid + " gid=" + gid + " groups=" + Arrays.toString(groups) + (readOnly ? " read-only" : "") + "]";
  }
}
