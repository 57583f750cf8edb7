package io.nectarfs.gateway.s3.auth;

import io.nectarfs.common.Clock;
import java.util.Collection;

/** Placeholder for the Signature V4 verifier (the auth work replaces it). */
final class SigV4 {
  private SigV4() {}

  static Authenticator create(Collection<AccessKey> keys, String region, Clock clock) {
    throw new UnsupportedOperationException("Signature V4 is not built yet");
  }
}
