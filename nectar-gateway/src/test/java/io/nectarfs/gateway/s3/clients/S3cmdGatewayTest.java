package io.nectarfs.gateway.s3.clients;

import io.nectarfs.gateway.s3.conformance.GatewayTarget;
import io.nectarfs.gateway.s3.conformance.S3Target;

/** {@link S3cmdSuite} against the S3 gateway in-process. */
class S3cmdGatewayTest extends S3cmdSuite {
  @Override
  protected S3Target openTarget() throws java.io.IOException {
    return GatewayTarget.start();
  }
}
