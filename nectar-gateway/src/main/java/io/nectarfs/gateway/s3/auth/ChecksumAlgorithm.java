package io.nectarfs.gateway.s3.auth;

/**
 * The {@code x-amz-checksum-*} families S3 verifies and returns. The digest implementations (CRC64NVME
 * included) are the auth package's; {@link #header()} is the header and trailer name.
 */
public enum ChecksumAlgorithm {
  CRC32("x-amz-checksum-crc32"),
  CRC32C("x-amz-checksum-crc32c"),
  CRC64NVME("x-amz-checksum-crc64nvme"),
  SHA1("x-amz-checksum-sha1"),
  SHA256("x-amz-checksum-sha256");

  private final String header;

  ChecksumAlgorithm(String header) {
    this.header = header;
  }

  /** The lower-case header (and trailer) name. */
  public String header() {
    return header;
  }

  /** The name S3 uses in x-amz-sdk-checksum-algorithm and in XML ({@code CRC32C}, {@code SHA256}). */
  public String s3Name() {
    return name();
  }
}
