package io.nectarfs.gateway.s3.conformance;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** AWS SDK v2 clients on a target: the SDK's defaults, adjusted only for a target's listed deviations. */
public final class TargetClients {
  private TargetClients() {}

  /**
   * A path-style client with the SDK's default settings, except for a target that cannot take
   * the default aws-chunked uploads ({@link Deviation#AWS_CHUNKED_TRAILER}): checksums only when
   * required there, as Content-MD5 (as before SDK 2.30).
   */
  public static S3Client sdk(S3Target target, String accessKey, String secretKey) {
    if (target.deviations().contains(Deviation.AWS_CHUNKED_TRAILER)) {
      return builder(target, accessKey, secretKey).requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED).addPlugin(LegacyMd5Plugin.create()).build();
    }
    return builder(target, accessKey, secretKey).build();
  }

  public static S3Client sdk(S3Target target) {
    return sdk(target, target.accessKey(), target.secretKey());
  }

  /** A client with every default of the SDK, whatever the target's deviations. */
  public static S3Client sdkDefaults(S3Target target) {
    return builder(target, target.accessKey(), target.secretKey()).build();
  }

  private static S3ClientBuilder builder(S3Target target, String accessKey, String secretKey) {
    return S3Client.builder().endpointOverride(target.endpoint()).region(Region.of(target.region()))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .forcePathStyle(true).httpClientBuilder(ApacheHttpClient.builder());
  }
}
