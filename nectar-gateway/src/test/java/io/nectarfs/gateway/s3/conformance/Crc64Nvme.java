package io.nectarfs.gateway.s3.conformance;

/**
 * CRC-64/NVME (the {@code x-amz-checksum-crc64nvme} family), bitwise from its definition
 * (reflected polynomial 0x9A6C9329AC4BC9B5, initial and final value all ones): the SDK computes it
 * only through the native CRT, which the tests do not ship.
 */
final class Crc64Nvme {
  private static final long POLY = 0x9A6C9329AC4BC9B5L;
  private static final long[] TABLE = new long[256];

  static {
    for (int i = 0; i < 256; i++) {
      long c = i;
      for (int k = 0; k < 8; k++) {
        c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
      }
      TABLE[i] = c;
    }
  }

  private Crc64Nvme() {}

  static long of(byte[] data) {
    long crc = -1L;
    for (byte b : data) {
      crc = TABLE[(int) ((crc ^ b) & 0xff)] ^ (crc >>> 8);
    }
    return ~crc;
  }

  /** Base64 of the big-endian value, as S3 sends it. */
  static String base64(byte[] data) {
    return java.util.Base64.getEncoder().encodeToString(java.nio.ByteBuffer.allocate(8).putLong(of(data)).array());
  }
}
