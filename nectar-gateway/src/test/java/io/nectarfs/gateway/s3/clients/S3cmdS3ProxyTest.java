package io.nectarfs.gateway.s3.clients;

import io.nectarfs.gateway.s3.conformance.S3ProxyTarget;
import io.nectarfs.gateway.s3.conformance.S3Target;

/** {@link S3cmdSuite} against the S3Proxy of scripts/services.sh. */
class S3cmdS3ProxyTest extends S3cmdSuite {
  @Override
  protected S3Target openTarget() {
    return S3ProxyTarget.fromEnvironment();
  }
}
