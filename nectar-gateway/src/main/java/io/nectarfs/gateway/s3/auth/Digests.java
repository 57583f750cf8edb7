package io.nectarfs.gateway.s3.auth;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/** The digests a request body is checked with: MD5, SHA-256 and the {@link ChecksumAlgorithm}s. */
final class Digests {
  private Digests() {}

  /** A running digest over a byte stream; {@link #finish} once, at the end. */
  interface Running {
    void update(byte[] b, int off, int len);

    /** The digest's bytes (big-endian for the CRCs, as S3 encodes them). */
    byte[] finish();
  }

  static Running of(ChecksumAlgorithm a) {
    return switch (a) {
      case CRC32 -> crc(new CRC32(), 4);
      case CRC32C -> crc(new CRC32C(), 4);
      case CRC64NVME -> crc(new Crc64Nvme(), 8);
      case SHA1 -> message("SHA-1");
      case SHA256 -> message("SHA-256");
    };
  }

  static Running md5() {
    return message("MD5");
  }

  static Running sha256() {
    return message("SHA-256");
  }

  /** The byte length of a digest of this algorithm. */
  static int length(ChecksumAlgorithm a) {
    return switch (a) {
      case CRC32, CRC32C -> 4;
      case CRC64NVME -> 8;
      case SHA1 -> 20;
      case SHA256 -> 32;
    };
  }

  static MessageDigest messageDigest(String name) {
    try {
      return MessageDigest.getInstance(name);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(name + " is missing from this JDK", e);
    }
  }

  /** Lower-case hex SHA-256 of these bytes. */
  static String sha256Hex(byte[] b) {
    return HexFormat.of().formatHex(messageDigest("SHA-256").digest(b));
  }

  private static Running message(String name) {
    MessageDigest d = messageDigest(name);
    return new Running() {
      @Override
      public void update(byte[] b, int off, int len) {
        d.update(b, off, len);
      }

      @Override
      public byte[] finish() {
        return d.digest();
      }
    };
  }

  private static Running crc(Checksum c, int bytes) {
    return new Running() {
      @Override
      public void update(byte[] b, int off, int len) {
        c.update(b, off, len);
      }

      @Override
      public byte[] finish() {
        long v = c.getValue();
        byte[] out = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
          out[i] = (byte) (v >>> (8 * (bytes - 1 - i)));
        }
        return out;
      }
    };
  }
}
