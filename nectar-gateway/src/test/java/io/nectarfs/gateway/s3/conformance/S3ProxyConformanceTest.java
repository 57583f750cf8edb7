package io.nectarfs.gateway.s3.conformance;

/** The conformance suite against S3Proxy, the independent S3 server of scripts/services.sh. */
class S3ProxyConformanceTest extends S3ConformanceSuite {
  @Override
  protected S3Target openTarget() {
    return S3ProxyTarget.fromEnvironment();
  }
}
