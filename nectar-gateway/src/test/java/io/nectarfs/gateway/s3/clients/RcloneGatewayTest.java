package io.nectarfs.gateway.s3.clients;

import io.nectarfs.gateway.s3.conformance.GatewayTarget;
import io.nectarfs.gateway.s3.conformance.S3Target;

/** {@link RcloneSuite} against the S3 gateway in-process. */
class RcloneGatewayTest extends RcloneSuite {
  @Override
  protected S3Target openTarget() throws java.io.IOException {
    return GatewayTarget.start();
  }
}
