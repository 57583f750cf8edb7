package io.nectarfs.gateway.s3.auth;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The rolling signatures of a signed {@code aws-chunked} body: each chunk's signature signs the
 * previous one (the first, the request's seed signature), the date, the scope and the chunk's
 * SHA-256; the trailer's signs the last chunk's signature and the SHA-256 of the canonical trailer
 * lines. Holds the derived signing key (never the secret). Not thread-safe: one per body.
 */
final class ChunkSigning {
  static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final HexFormat HEX = HexFormat.of();

  private final byte[] signingKey;
  private final String datetime;
  private final String scope;
  private String previous;

  ChunkSigning(byte[] signingKey, String datetime, String scope, String seedSignature) {
    this.signingKey = signingKey;
    this.datetime = datetime;
    this.scope = scope;
    this.previous = seedSignature;
  }

  /** Checks the next chunk's signature over its SHA-256; on success it becomes the previous one. */
  boolean verifyChunk(byte[] chunkSha256, String signature) {
    return accept(chunkStringToSign(chunkSha256), signature);
  }

  /** The signature the next chunk must carry (for tests that frame bodies). */
  String expectedChunkSignature(byte[] chunkSha256) {
    return hmacHex(signingKey, chunkStringToSign(chunkSha256));
  }

  private String chunkStringToSign(byte[] chunkSha256) {
    return "AWS4-HMAC-SHA256-PAYLOAD\n" + datetime + "\n" + scope + "\n" + previous + "\n" + EMPTY_SHA256 + "\n" + HEX.formatHex(chunkSha256);
  }

  /** Checks the trailer signature over the canonical trailer lines ("name:value\n", sorted). */
  boolean verifyTrailer(String canonicalTrailer, String signature) {
    String toSign = "AWS4-HMAC-SHA256-TRAILER\n" + datetime + "\n" + scope + "\n" + previous + "\n" + Digests.sha256Hex(canonicalTrailer.getBytes(StandardCharsets.UTF_8));
    return accept(toSign, signature);
  }

  private boolean accept(String toSign, String signature) {
    String expected = hmacHex(signingKey, toSign);
    if (!constantTimeEquals(expected, signature)) {
      return false;
    }
    previous = expected;
    return true;
  }

  static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  static String hmacHex(byte[] key, String data) {
    return HEX.formatHex(hmac(key, data));
  }

  /** The signing key of a secret for a date (yyyyMMdd), region and service s3. */
  static byte[] signingKey(String secret, String date, String region) {
    byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
    k = hmac(k, region);
    k = hmac(k, "s3");
    return hmac(k, "aws4_request");
  }

  /** Compares a computed lower-case hex signature with a provided one in time independent of where they differ. */
  static boolean constantTimeEquals(String expected, String provided) {
    if (provided == null) {
      return false;
    }
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), provided.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
  }
}
