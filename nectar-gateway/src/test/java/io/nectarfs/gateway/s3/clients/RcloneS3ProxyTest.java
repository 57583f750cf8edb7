package io.nectarfs.gateway.s3.clients;

import io.nectarfs.gateway.s3.conformance.S3ProxyTarget;
import io.nectarfs.gateway.s3.conformance.S3Target;

/** {@link RcloneSuite} against the S3Proxy of scripts/services.sh. */
class RcloneS3ProxyTest extends RcloneSuite {
  @Override
  protected S3Target openTarget() {
    return S3ProxyTarget.fromEnvironment();
  }
}
