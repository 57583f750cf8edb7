package io.nectarfs.gateway.s3.clients;

import io.nectarfs.gateway.s3.conformance.GatewayTarget;
import io.nectarfs.gateway.s3.conformance.S3Target;

/** {@link Boto3Suite} against the S3 gateway in-process. */
class Boto3GatewayTest extends Boto3Suite {
  @Override
  protected S3Target openTarget() throws java.io.IOException {
    return GatewayTarget.start();
  }
}
