package io.nectarfs.gateway.bench;

import io.nectarfs.common.Clock;
import io.nectarfs.gateway.s3.auth.AccessKey;
import io.nectarfs.gateway.s3.auth.Authenticated;
import io.nectarfs.gateway.s3.auth.Authenticator;
import io.nectarfs.gateway.s3.auth.SignedRequest;
import io.nectarfs.gateway.s3.auth.VerifiedBody;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * MB/s of {@link VerifiedBody} over a 256 MiB body in memory, per payload form (a loop, not JMH):
 * {@code java -cp <test classpath> io.nectarfs.gateway.bench.VerifiedBodyBench [MiB] [rounds]}. The
 * request is anonymous (no signature to check), so the numbers are the body path alone: framing,
 * MD5 (always, the ETag) and the requested digest.
 */
public final class VerifiedBodyBench {
  private VerifiedBodyBench() {}

  public static void main(String[] args) throws Exception {
    int mib = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    byte[] data = new byte[mib << 20];
    new Random(1).nextBytes(data);
    byte[] framed = unsignedChunks(data, 64 * 1024, "x-amz-checksum-crc32c:AAAAAA==");
    Authenticator auth = Authenticator.sigV4(List.of(new AccessKey("AKBENCH", "x", 0, 0, new int[0], false)), "us-east-1", Clock.SYSTEM);
    String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
    Map<String, Object[]> cases = new java.util.LinkedHashMap<>();
    cases.put("plain (MD5 only)", new Object[] {data, new String[] {}});
    cases.put("sha256 payload", new Object[] {data, new String[] {"x-amz-content-sha256", sha}});
    for (String alg : List.of("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")) {
      cases.put("plain + " + alg, new Object[] {data, new String[] {"x-amz-sdk-checksum-algorithm", alg}});
    }
    cases.put("aws-chunked unsigned, CRC32C (trailer ignored)", new Object[] {framed, new String[] {"x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-decoded-content-length", Long.toString(data.length), "x-amz-sdk-checksum-algorithm", "CRC32C"}});
    for (int r = 0; r < rounds; r++) {
      for (var e : cases.entrySet()) {
        byte[] raw = (byte[]) e.getValue()[0];
        String[] h = (String[]) e.getValue()[1];
        Map<String, List<String>> headers = new HashMap<>();
        headers.put("host", List.of("h"));
        for (int i = 0; i < h.length; i += 2) {
          headers.put(h[i], List.of(h[i + 1]));
        }
        Authenticated a = auth.authenticate(new SignedRequest("PUT", "/b/k", "", headers));
        long t0 = System.nanoTime();
        try (VerifiedBody b = a.body(new ByteArrayInputStream(raw), raw.length)) {
          byte[] buf = new byte[1 << 20];
          while (b.read(buf, 0, buf.length) >= 0) {
            // drain
          }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("round %d  %-50s %8.0f MB/s%n", r, e.getKey(), data.length / 1e6 / s);
      }
    }
  }

  static byte[] unsignedChunks(byte[] data, int chunk, String trailer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + data.length / chunk * 16 + 64);
    for (int off = 0; off < data.length; off += chunk) {
      int n = Math.min(chunk, data.length - off);
      out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(data, off, n);
      out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.writeBytes(("0\r\n" + trailer + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }
}
