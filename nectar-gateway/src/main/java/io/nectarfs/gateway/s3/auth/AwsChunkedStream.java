package io.nectarfs.gateway.s3.auth;

import io.nectarfs.gateway.s3.S3Error;
import io.nectarfs.gateway.s3.S3Exception;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decodes an {@code aws-chunked} body: {@code hex-size[;chunk-signature=SIG]\r\n DATA \r\n} per
 * chunk, a final zero-size chunk, then (with trailers) {@code name:value\r\n} lines, {@code
 * x-amz-trailer-signature:SIG\r\n} for the signed form, and an empty line.
 *
 * <p>Memory is bounded: one 64 KiB read buffer, header and trailer lines of at most {@value
 * #MAX_LINE} bytes, at most {@value #MAX_TRAILERS} trailer lines; data is never held beyond the
 * caller's read. Each signed chunk's signature is checked when its data has been read, before the
 * next chunk's bytes are returned; the end (-1) is returned only after the final chunk, the trailer
 * signature and the decoded length (equal to x-amz-decoded-content-length) checked out. Failures:
 * a stream that ends early is {@code IncompleteBody}, a malformed frame {@code InvalidRequest}, a
 * bad signature {@code SignatureDoesNotMatch}, a short signed chunk {@code InvalidChunkSizeError};
 * an {@link IOException} of the raw stream passes through. Once failed it keeps failing.
 *
 * <p>Not thread-safe (one reader).
 */
final class AwsChunkedStream extends InputStream {
  static final int MAX_LINE = 4096;
  static final int MAX_TRAILERS = 16;
  static final int MIN_SIGNED_CHUNK = 8192;
  private static final String SIG_EXT = "chunk-signature=";

  private final InputStream in;
  private final ChunkSigning signing;
  private final boolean trailers;
  private final long declared;
  private final byte[] buf = new byte[64 * 1024];
  private final Digests.Running chunkSha;
  private final Map<String, String> trailerValues = new TreeMap<>();
  private int pos;
  private int lim;
  private long remaining;
  private boolean inChunk;
  private long lastChunkSize = -1;
  private String chunkSignature;
  private long decoded;
  private boolean eof;
  private S3Exception failed;

  /**
   * @param signing the rolling chunk signatures, null for an unsigned body
   * @param trailers whether trailer lines follow the final chunk
   * @param declared x-amz-decoded-content-length
   */
  AwsChunkedStream(InputStream in, ChunkSigning signing, boolean trailers, long declared) {
    this.in = in;
    this.signing = signing;
    this.trailers = trailers;
    this.declared = declared;
    this.chunkSha = signing == null ? null : Digests.sha256();
  }

  /** After the end: the trailer values by lower-case name (the signature line left out). */
  Map<String, String> trailers() {
    return trailerValues;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (failed != null) {
      throw failed;
    }
    if (len == 0) {
      return 0;
    }
    try {
      while (remaining == 0) {
        if (eof) {
          return -1;
        }
        if (inChunk) {
          endChunk();
        }
        header();
      }
      int n = data(b, off, (int) Math.min(len, remaining));
      if (n < 0) {
        throw incomplete("the body ended inside a chunk");
      }
      if (chunkSha != null) {
        chunkSha.update(b, off, n);
      }
      remaining -= n;
      decoded += n;
      return n;
    } catch (S3Exception e) {
      failed = e;
      throw e;
    }
  }

  private void header() throws IOException {
    String line = line();
    if (line == null) {
      throw incomplete("the body ended before its final chunk");
    }
    int semi = line.indexOf(';');
    String hex = semi < 0 ? line : line.substring(0, semi);
    if (hex.isEmpty() || hex.length() > 15 || !hex.chars().allMatch(AwsChunkedStream::isHex)) {
      throw malformed("bad chunk size");
    }
    long size = Long.parseLong(hex, 16);
    if (signing != null) {
      String ext = semi < 0 ? "" : line.substring(semi + 1);
      if (!ext.startsWith(SIG_EXT) || ext.length() != SIG_EXT.length() + 64) {
        throw malformed("a chunk without chunk-signature");
      }
      chunkSignature = ext.substring(SIG_EXT.length());
      if (size > 0 && lastChunkSize >= 0 && lastChunkSize < MIN_SIGNED_CHUNK) {
        throw S3Error.INVALID_CHUNK_SIZE.exception();
      }
    }
    if (size > declared - decoded) {
      throw incomplete("the chunks hold more than x-amz-decoded-content-length");
    }
    if (size == 0) {
      end();
      return;
    }
    lastChunkSize = size;
    remaining = size;
    inChunk = true;
  }

  private void endChunk() throws IOException {
    crlf();
    inChunk = false;
    if (signing != null && !signing.verifyChunk(chunkSha.finish(), chunkSignature)) {
      throw S3Error.SIGNATURE_DOES_NOT_MATCH.exception("The chunk signature we calculated does not match the signature you provided.");
    }
  }

  private void end() throws IOException {
    if (signing != null && !signing.verifyChunk(chunkSha.finish(), chunkSignature)) {
      throw S3Error.SIGNATURE_DOES_NOT_MATCH.exception("The chunk signature we calculated does not match the signature you provided.");
    }
    String trailerSignature = null;
    int lines = 0;
    String line;
    while ((line = line()) != null && !line.isEmpty()) {
      if (!trailers) {
        throw malformed("data after the final chunk");
      }
      if (++lines > MAX_TRAILERS) {
        throw malformed("too many trailer lines");
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw malformed("a trailer line without ':'");
      }
      String name = line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      if (name.equals("x-amz-trailer-signature")) {
        trailerSignature = value;
      } else {
        trailerValues.put(name, value);
      }
    }
    if (signing != null && trailers) {
      StringBuilder canonical = new StringBuilder();
      for (Map.Entry<String, String> e : trailerValues.entrySet()) {
        canonical.append(e.getKey()).append(':');
        Canonical.trimAll(e.getValue(), canonical);
        canonical.append('\n');
      }
      if (trailerSignature == null || !signing.verifyTrailer(canonical.toString(), trailerSignature)) {
        throw S3Error.SIGNATURE_DOES_NOT_MATCH.exception("The trailer signature we calculated does not match the signature you provided.");
      }
    }
    if (decoded != declared) {
      throw incomplete("the chunks hold " + decoded + " bytes, x-amz-decoded-content-length says " + declared);
    }
    eof = true;
  }

  /** A CRLF-terminated line without it; null at the end of the stream before any byte. */
  private String line() throws IOException {
    StringBuilder sb = new StringBuilder(80);
    while (true) {
      int c = next();
      if (c < 0) {
        if (sb.isEmpty()) {
          return null;
        }
        throw incomplete("the body ended inside a chunk header or trailer");
      }
      if (c == '\r') {
        int n = next();
        if (n < 0) {
          throw incomplete("the body ended inside a chunk header or trailer");
        }
        if (n != '\n') {
          throw malformed("a bare CR in a chunk header or trailer");
        }
        return sb.toString();
      }
      if (c == '\n') {
        throw malformed("a chunk header or trailer ends without CR");
      }
      if (sb.length() >= MAX_LINE) {
        throw malformed("a chunk header or trailer line is too long");
      }
      sb.append((char) c);
    }
  }

  private void crlf() throws IOException {
    int a = next();
    int b = a < 0 ? -1 : next();
    if (a < 0 || b < 0) {
      throw incomplete("the body ended after a chunk's data");
    }
    if (a != '\r' || b != '\n') {
      throw malformed("a chunk's data is not followed by CRLF (its size is wrong)");
    }
  }

  private int next() throws IOException {
    if (pos == lim && !fill()) {
      return -1;
    }
    return buf[pos++] & 0xff;
  }

  private boolean fill() throws IOException {
    int n = in.read(buf, 0, buf.length);
    if (n == 0) { // not allowed by InputStream's contract; read one byte the blocking way
      int c = in.read();
      if (c < 0) {
        return false;
      }
      buf[0] = (byte) c;
      n = 1;
    }
    if (n < 0) {
      return false;
    }
    pos = 0;
    lim = n;
    return true;
  }

  private int data(byte[] b, int off, int len) throws IOException {
    if (pos < lim) {
      int n = Math.min(len, lim - pos);
      System.arraycopy(buf, pos, b, off, n);
      pos += n;
      return n;
    }
    if (len >= buf.length / 2) {
      return in.read(b, off, len);
    }
    if (!fill()) {
      return -1;
    }
    return data(b, off, len);
  }

  private static boolean isHex(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static S3Exception incomplete(String detail) {
    return S3Error.INCOMPLETE_BODY.exception("You did not provide the number of bytes specified by x-amz-decoded-content-length: " + detail + ".");
  }

  private static S3Exception malformed(String detail) {
    return S3Error.INVALID_REQUEST.exception("Malformed aws-chunked body: " + detail + ".");
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
