package io.nectarfs.gateway.s3.auth;

import io.nectarfs.common.Ctx;

/**
 * Who a request acts as: the access key it was signed with and the uid/gid that key maps to, so
 * that the volume's permissions and ACLs apply to S3 requests as to that local user.
 *
 * @param accessKey the access key id ("" for an anonymous request); never the secret
 * @param readOnly the key may only read (every change is AccessDenied)
 */
public record Principal(String accessKey, int uid, int gid, int[] groups, boolean readOnly) {
  /** An unsigned request: nobody (65534), read-only; served only where a bucket is public. */
  public static final Principal ANONYMOUS = new Principal("", 65534, 65534, new int[0], true);

  public Principal {
    groups = groups.clone();
  }

  public boolean anonymous() {
    return accessKey.isEmpty();
  }

  /** The volume context of this caller. */
  public Ctx ctx() {
    return new Ctx(uid, gid, groups, 0);
  }

  @Override
  public int[] groups() {
    return groups.clone();
  }
}
