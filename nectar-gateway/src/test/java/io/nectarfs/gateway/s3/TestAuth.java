package io.nectarfs.gateway.s3;

import io.nectarfs.gateway.s3.auth.AccessKey;
import io.nectarfs.gateway.s3.auth.Authenticated;
import io.nectarfs.gateway.s3.auth.Authenticator;
import io.nectarfs.gateway.s3.auth.ChecksumAlgorithm;
import io.nectarfs.gateway.s3.auth.Principal;
import io.nectarfs.gateway.s3.auth.SignedRequest;
import io.nectarfs.gateway.s3.auth.VerifiedBody;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * A test stand-in for the Signature V4 verifier: it trusts the access key named in the
 * Authorization header ({@code Credential=ID/...}) without checking the signature, and reads bodies
 * as they are (no aws-chunked: the test clients send plain payloads). For HTTP-layer tests only.
 */
final class TestAuth implements Authenticator {
  private final Map<String, AccessKey> keys;
  /** The last request seen, as the gateway handed it over (tests of what a signature would cover). */
  volatile SignedRequest last;

  TestAuth(AccessKey... keys) {
    this.keys = java.util.Arrays.stream(keys).collect(java.util.stream.Collectors.toMap(AccessKey::id, k -> k));
  }

  @Override
  public Authenticated authenticate(SignedRequest request) throws S3Exception {
    last = request;
    String a = request.header("Authorization");
    Principal p;
    if (a == null) {
      p = Principal.ANONYMOUS;
    } else {
      int i = a.indexOf("Credential=");
      if (i < 0) {
        throw S3Error.AUTHORIZATION_HEADER_MALFORMED.exception();
      }
      String id = a.substring(i + 11, a.indexOf('/', i));
      AccessKey k = keys.get(id);
      if (k == null) {
        throw S3Error.INVALID_ACCESS_KEY_ID.exception();
      }
      p = k.principal();
    }
    return new Authenticated() {
      @Override
      public Principal principal() {
        return p;
      }

      @Override
      public VerifiedBody body(InputStream raw, long contentLength) {
        return new Md5Body(raw, contentLength);
      }
    };
  }

  /** Counts and hashes; a body shorter than its Content-Length is IncompleteBody at the end. */
  static final class Md5Body extends VerifiedBody {
    private final InputStream in;
    private final long declared;
    private final MessageDigest md5;
    private long read;
    private String hex;

    Md5Body(InputStream in, long declared) {
      this.in = in;
      this.declared = declared;
      try {
        this.md5 = MessageDigest.getInstance("MD5");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public int read() throws IOException {
      byte[] b = new byte[1];
      return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n < 0) {
        if (declared >= 0 && read != declared) {
          throw S3Error.INCOMPLETE_BODY.exception();
        }
        hex = HexFormat.of().formatHex(md5.digest());
        return -1;
      }
      md5.update(b, off, n);
      read += n;
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }

    @Override
    public long declaredLength() {
      return declared;
    }

    @Override
    public String md5Hex() {
      return hex;
    }

    @Override
    public Map<ChecksumAlgorithm, String> checksums() {
      return Map.of();
    }
  }
}
