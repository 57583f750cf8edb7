package io.nectarfs.gateway.s3.conformance;

import java.io.IOException;

/** The conformance suite against the S3 gateway on a fresh SQLite + local-directory volume: every case must pass. */
class GatewayConformanceTest extends S3ConformanceSuite {
  @Override
  protected S3Target openTarget() throws IOException {
    return GatewayTarget.start();
  }
}
