package io.nectarfs.gateway.s3.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.nectarfs.gateway.s3.S3Error;
import io.nectarfs.gateway.s3.S3Exception;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.checksums.DefaultChecksumAlgorithm;
import software.amazon.awssdk.http.SdkHttpMethod;

/** Malformed aws-chunked framing: always an S3 error or the raw stream's IOException, never another exception, never a hang. */
class ChunkFramingTest {
  static final Instant T = SignerCasesTest.T;
  static final byte[] DATA = S3ClientSignaturesTest.data(40_000, 99);

  static Sdk.Captured signed() {
    return Sdk.sign(SdkHttpMethod.PUT, "/bkt/k", Map.of(), DATA, Sdk.Sign.header().chunked(true, DefaultChecksumAlgorithm.CRC32).at(T));
  }

  static Sdk.Captured unsigned() {
    return Sdk.sign(SdkHttpMethod.PUT, "/bkt/k", Map.of(), DATA, Sdk.Sign.header().chunked(false, DefaultChecksumAlgorithm.CRC32).at(T));
  }

  /** Reads a (possibly mutated) body; true when it verified. Content-Length is left out: the framing alone decides. */
  static boolean consume(Sdk.Captured c, byte[] raw) throws IOException {
    Authenticated a = Sdk.authenticator(T).authenticate(c.signed());
    try (VerifiedBody b = a.body(new ByteArrayInputStream(raw), -1)) {
      byte[] got = b.readAllBytes();
      assertThat(got).isEqualTo(DATA);
      return true;
    } catch (S3Exception e) {
      return false;
    }
  }

  @Test
  void randomMutationsNeverEscapeAsOtherExceptions() {
    assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
      Random rnd = new Random(2026);
      for (Sdk.Captured c : new Sdk.Captured[] {signed(), unsigned()}) {
        assertThat(consume(c, c.body())).isTrue();
        int failures = 0;
        for (int i = 0; i < 1500; i++) {
          byte[] m = mutate(c.body(), rnd);
          if (!consume(c, m)) {
            failures++;
          }
        }
        assertThat(failures).isPositive();
      }
    });
  }

  static byte[] mutate(byte[] b, Random rnd) {
    int at = pickNearFraming(b, rnd);
    return switch (rnd.nextInt(6)) {
      case 0 -> Arrays.copyOf(b, at); // truncated
      case 1 -> { // one byte changed
        byte[] m = b.clone();
        m[at] = (byte) rnd.nextInt(256);
        yield m;
      }
      case 2 -> { // one byte removed
        byte[] m = new byte[b.length - 1];
        System.arraycopy(b, 0, m, 0, at);
        System.arraycopy(b, at + 1, m, at, b.length - at - 1);
        yield m;
      }
      case 3 -> { // bytes inserted
        byte[] ins = switch (rnd.nextInt(4)) {
          case 0 -> "\r\n".getBytes(StandardCharsets.US_ASCII);
          case 1 -> "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
          case 2 -> ";x=y".getBytes(StandardCharsets.US_ASCII);
          default -> new byte[] {(byte) rnd.nextInt(256)};
        };
        byte[] m = new byte[b.length + ins.length];
        System.arraycopy(b, 0, m, 0, at);
        System.arraycopy(ins, 0, m, at, ins.length);
        System.arraycopy(b, at, m, at + ins.length, b.length - at);
        yield m;
      }
      case 4 -> { // the size changed to a large or odd value
        String s = new String(b, StandardCharsets.ISO_8859_1);
        String[] sizes = {"ffffffffffffffff", "7fffffffffffffff", "-1", "", "g", "20000", "1"};
        yield s.replaceFirst("^[0-9a-f]+", sizes[rnd.nextInt(sizes.length)]).getBytes(StandardCharsets.ISO_8859_1);
      }
      default -> Arrays.copyOf(b, b.length + rnd.nextInt(10)); // zero bytes appended
    };
  }

  /** Mostly positions in the framing (headers, CRLFs, trailers), where the parser decides. */
  static int pickNearFraming(byte[] b, Random rnd) {
    if (rnd.nextInt(4) == 0) {
      return rnd.nextInt(b.length);
    }
    for (int tries = 0; tries < 100; tries++) {
      int i = rnd.nextInt(b.length);
      if (b[i] == '\r' || b[i] == '\n' || b[i] == ';' || b[i] == ':') {
        return Math.max(0, Math.min(b.length - 1, i + rnd.nextInt(9) - 4));
      }
    }
    return b.length - 1 - rnd.nextInt(Math.min(b.length, 200));
  }

  @Test
  void typicalFramingErrors() {
    Sdk.Captured c = unsigned();
    String s = new String(c.body(), StandardCharsets.ISO_8859_1);
    assertThat(errorOf(c, Arrays.copyOf(c.body(), c.body().length / 2))).isEqualTo(S3Error.INCOMPLETE_BODY);
    assertThat(errorOf(c, ("zz" + s).getBytes(StandardCharsets.ISO_8859_1))).isEqualTo(S3Error.INVALID_REQUEST);
    assertThat(errorOf(c, "fffffffffffffff\r\n".getBytes(StandardCharsets.ISO_8859_1))).isEqualTo(S3Error.INCOMPLETE_BODY);
    byte[] longLine = new byte[1 << 20];
    Arrays.fill(longLine, (byte) '1');
    assertThat(errorOf(c, longLine)).isEqualTo(S3Error.INVALID_REQUEST);
    // declared length other than the chunks' (the header is signed: an anonymous request to change it)
    c = c.withHeader("authorization", null);
    assertThat(errorOf(c, c.body())).isNull();
    Sdk.Captured more = c.withHeader("x-amz-decoded-content-length", Integer.toString(DATA.length + 1));
    assertThat(errorOf(more, c.body())).isEqualTo(S3Error.INCOMPLETE_BODY);
    Sdk.Captured less = c.withHeader("x-amz-decoded-content-length", Integer.toString(DATA.length - 1));
    assertThat(errorOf(less, c.body())).isEqualTo(S3Error.INCOMPLETE_BODY);
  }

  static S3Error errorOf(Sdk.Captured c, byte[] raw) {
    try {
      Authenticated a = Sdk.authenticator(T).authenticate(c.signed());
      try (VerifiedBody b = a.body(new ByteArrayInputStream(raw), -1)) {
        b.readAllBytes();
      }
      return null;
    } catch (S3Exception e) {
      return e.error();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void smallSignedChunksBeforeTheLastAreRefused() {
    byte[] data = S3ClientSignaturesTest.data(20_000, 5);
    Sdk.Captured c = Sdk.sign(SdkHttpMethod.PUT, "/bkt/k", Map.of(), data, Sdk.Sign.header().chunked(true, null).at(T));
    assertThat(errorOf(c, frame(c, data, 20_000))).isNull();
    assertThat(errorOf(c, frame(c, data, 8192, 8192, 3616))).isNull();
    assertThat(errorOf(c, frame(c, data, 10_000, 8191, 1809))).isEqualTo(S3Error.INVALID_CHUNK_SIZE);
    assertThat(errorOf(c, frame(c, data, 100, 19_900))).isEqualTo(S3Error.INVALID_CHUNK_SIZE);
  }

  /** The data of a signed request re-framed in chunks of these sizes, each validly signed (the test knows the secret). */
  static byte[] frame(Sdk.Captured c, byte[] data, int... sizes) {
    String auth = c.header("authorization");
    String seed = auth.substring(auth.indexOf("Signature=") + 10);
    String datetime = c.header("x-amz-date");
    String date = datetime.substring(0, 8);
    ChunkSigning signing = new ChunkSigning(ChunkSigning.signingKey(Sdk.SECRET, date, Sdk.REGION), datetime,
        date + "/" + Sdk.REGION + "/s3/aws4_request", seed);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int off = 0;
    for (int i = 0; i <= sizes.length; i++) {
      int n = i < sizes.length ? sizes[i] : 0;
      byte[] chunk = Arrays.copyOfRange(data, off, off + n);
      off += n;
      String sig = sign(signing, chunk);
      out.writeBytes((Integer.toHexString(n) + ";chunk-signature=" + sig + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(chunk);
      out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    return out.toByteArray();
  }

  /** The signature the verifier expects next (found by letting it accept the computed value). */
  static String sign(ChunkSigning signing, byte[] chunk) {
    byte[] sha = Digests.messageDigest("SHA-256").digest(chunk);
    String expected = signing.expectedChunkSignature(sha);
    assertThat(signing.verifyChunk(sha, expected)).isTrue();
    return expected;
  }

  @Test
  void anIoErrorOfTheClientPassesThrough() throws IOException {
    Sdk.Captured c = signed();
    InputStream failing = new SequenceInputStream(new ByteArrayInputStream(c.body(), 0, 20_000), new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("idle timeout");
      }
    });
    Authenticated a = Sdk.authenticator(T).authenticate(c.signed());
    VerifiedBody b = a.body(failing, c.contentLength());
    assertThatThrownBy(b::readAllBytes).isExactlyInstanceOf(IOException.class).hasMessage("idle timeout");
  }
}
