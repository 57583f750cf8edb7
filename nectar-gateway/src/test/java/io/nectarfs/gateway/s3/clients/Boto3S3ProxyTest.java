package io.nectarfs.gateway.s3.clients;

import io.nectarfs.gateway.s3.conformance.S3ProxyTarget;
import io.nectarfs.gateway.s3.conformance.S3Target;

/** {@link Boto3Suite} against the S3Proxy of scripts/services.sh. */
class Boto3S3ProxyTest extends Boto3Suite {
  @Override
  protected S3Target openTarget() {
    return S3ProxyTarget.fromEnvironment();
  }
}
