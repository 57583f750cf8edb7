package io.nectarfs.gateway.s3.auth;

import io.nectarfs.common.Clock;
import io.nectarfs.gateway.s3.S3Error;
import io.nectarfs.gateway.s3.S3Exception;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Signature V4 verifier of {@link Authenticator#sigV4}: the Authorization header form and the
 * presigned (query) form, as S3 checks them (see {@link Canonical} for the canonical request).
 *
 * <p>Concurrency: immutable after construction except the per-key signing-key cache, one volatile
 * (date, key) pair per access key: a request reads it, and a request of another date replaces it
 * (recomputing a key is four HMACs, so a lost race costs nothing). The secret never leaves this
 * class and {@link AccessKey}; exceptions and messages name only the access key id.
 *
 * <p>Signature V2 ({@code AWS AK:sig}, or {@code Signature}/{@code AWSAccessKeyId} in the query) is
 * refused with AccessDenied naming V4: every current client (aws CLI, SDKs, rclone, s3cmd with
 * {@code signature_v2 = False}, its default) signs V4.
 */
final class SigV4 implements Authenticator {
  static final String ALGORITHM = "AWS4-HMAC-SHA256";
  static final String UNSIGNED = "UNSIGNED-PAYLOAD";
  static final String STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
  static final String STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
  static final String STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
  static final long MAX_SKEW_SECONDS = 15 * 60;
  static final long MAX_EXPIRES_SECONDS = 604800;

  private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT);

  private final Map<String, Entry> keys;
  private final String region;
  private final Clock clock;

  /** An access key and its cached signing key of one date. */
  private static final class Entry {
    final AccessKey key;
    volatile Object[] cached; // {String date, byte[] signingKey}

    Entry(AccessKey key) {
      this.key = key;
    }

    byte[] signingKey(String date, String region) {
      Object[] c = cached;
      if (c != null && c[0].equals(date)) {
        return (byte[]) c[1];
      }
      byte[] k = ChunkSigning.signingKey(key.secret(), date, region);
      cached = new Object[] {date, k};
      return k;
    }
  }

  private SigV4(Map<String, Entry> keys, String region, Clock clock) {
    this.keys = keys;
    this.region = region;
    this.clock = clock;
  }

  static Authenticator create(Collection<AccessKey> keys, String region, Clock clock) {
    if (region == null || region.isEmpty()) {
      throw new IllegalArgumentException("the S3 region is empty");
    }
    Map<String, Entry> m = new HashMap<>();
    for (AccessKey k : keys) {
      if (m.put(k.id(), new Entry(k)) != null) {
        throw new IllegalArgumentException("access key " + k.id() + " is configured twice");
      }
    }
    return new SigV4(Map.copyOf(m), region, clock);
  }

  @Override
  public Authenticated authenticate(SignedRequest r) throws S3Exception {
    String authorization = r.header("authorization");
    List<Canonical.Param> params = Canonical.params(r.rawQuery());
    Map<String, String> q = new HashMap<>();
    for (Canonical.Param p : params) {
      q.putIfAbsent(p.name(), p.value());
    }
    if (authorization != null) {
      if (q.containsKey("X-Amz-Algorithm") || q.containsKey("X-Amz-Signature") || q.containsKey("Signature")) {
        throw S3Error.INVALID_ARGUMENT.exception("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
            + "Signature query string parameter or the Authorization header should be specified");
      }
      return headerForm(r, authorization, params);
    }
    if (q.containsKey("X-Amz-Signature") || q.containsKey("X-Amz-Algorithm") || q.containsKey("X-Amz-Credential")) {
      return presigned(r, q, params);
    }
    if (q.containsKey("Signature") && q.containsKey("AWSAccessKeyId")) {
      throw v2();
    }
    PayloadMode mode = payloadMode(r, false);
    return new RequestAuth(Principal.ANONYMOUS, r, mode, mode == PayloadMode.SHA256 ? r.header("x-amz-content-sha256") : null, null);
  }

  private Authenticated headerForm(SignedRequest r, String authorization, List<Canonical.Param> params) throws S3Exception {
    if (authorization.startsWith("AWS ")) {
      throw v2();
    }
    if (!authorization.startsWith(ALGORITHM + " ")) {
      throw S3Error.AUTHORIZATION_HEADER_MALFORMED.exception(
          "The authorization mechanism you have provided is not supported. Please use " + ALGORITHM + ".");
    }
    Map<String, String> f = new HashMap<>();
    for (String part : authorization.substring(ALGORITHM.length() + 1).split(",")) {
      String p = part.trim();
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw malformedHeader("the authorization header requires Credential, SignedHeaders and Signature");
      }
      f.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
    }
    String credential = f.get("Credential");
    String signed = f.get("SignedHeaders");
    String signature = f.get("Signature");
    if (credential == null || signed == null || signature == null || credential.isEmpty() || signed.isEmpty()) {
      throw malformedHeader("the authorization header requires Credential, SignedHeaders and Signature");
    }
    Scope scope = scope(credential, true);
    String datetime = requestDate(r);
    if (!datetime.startsWith(scope.date())) {
      throw malformedHeader("Invalid credential date. Date is not the same as X-Amz-Date.");
    }
    Entry entry = key(scope.accessKey());
    long skew = Math.abs(epochSeconds(datetime) - clock.nowMillis() / 1000);
    if (skew > MAX_SKEW_SECONDS) {
      throw S3Error.REQUEST_TIME_TOO_SKEWED.exception();
    }
    String contentSha = r.header("x-amz-content-sha256");
    if (contentSha == null) {
      throw S3Error.INVALID_REQUEST.exception("Missing required header for this request: x-amz-content-sha256");
    }
    PayloadMode mode = payloadMode(r, true);
    List<String> signedHeaders = signedHeaders(signed, r, true);
    byte[] signingKey = entry.signingKey(scope.date(), region);
    String expected = signature(r, Canonical.query(params, null), signedHeaders, signed, contentSha, datetime, scope, signingKey);
    if (!ChunkSigning.constantTimeEquals(expected, signature)) {
      throw S3Error.SIGNATURE_DOES_NOT_MATCH.exception();
    }
    ChunkSigning chunks = mode.signedChunks() ? new ChunkSigning(signingKey, datetime, scope.string(region), expected) : null;
    return new RequestAuth(entry.key.principal(), r, mode, mode == PayloadMode.SHA256 ? contentSha : null, chunks);
  }

  private Authenticated presigned(SignedRequest r, Map<String, String> q, List<Canonical.Param> params) throws S3Exception {
    String algorithm = q.get("X-Amz-Algorithm");
    String credential = q.get("X-Amz-Credential");
    String datetime = q.get("X-Amz-Date");
    String expires = q.get("X-Amz-Expires");
    String signed = q.get("X-Amz-SignedHeaders");
    String signature = q.get("X-Amz-Signature");
    if (algorithm == null || credential == null || datetime == null || expires == null || signed == null || signature == null) {
      throw S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR.exception(
          "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
    }
    if (!ALGORITHM.equals(algorithm)) {
      throw S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR.exception("X-Amz-Algorithm only supports \"" + ALGORITHM + "\"");
    }
    Scope scope = scope(credential, false);
    long date;
    try {
      date = epochSeconds(datetime);
    } catch (S3Exception e) {
      throw S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR.exception("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    }
    if (!datetime.startsWith(scope.date())) {
      throw S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR.exception("Invalid credential date. Date is not the same as X-Amz-Date.");
    }
    long lifetime;
    try {
      lifetime = Long.parseLong(expires);
    } catch (NumberFormatException e) {
      throw S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR.exception("X-Amz-Expires should be a number");
    }
    if (lifetime < 0) {
      throw S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR.exception("X-Amz-Expires must be non-negative");
    }
    if (lifetime > MAX_EXPIRES_SECONDS) {
      throw S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR.exception("X-Amz-Expires must be less than a week (in seconds) that is 604800");
    }
    Entry entry = key(scope.accessKey());
    long now = clock.nowMillis() / 1000;
    if (date - now > MAX_SKEW_SECONDS) {
      throw S3Error.ACCESS_DENIED.exception("Request is not yet valid");
    }
    if (now > date + lifetime) {
      throw S3Error.ACCESS_DENIED.exception("Request has expired");
    }
    List<String> signedHeaders = signedHeaders(signed, r, false);
    String payload = q.getOrDefault("X-Amz-Content-Sha256", UNSIGNED);
    byte[] signingKey = entry.signingKey(scope.date(), region);
    String expected = signature(r, Canonical.query(params, "X-Amz-Signature"), signedHeaders, signed, payload, datetime, scope, signingKey);
    if (!ChunkSigning.constantTimeEquals(expected, signature)) {
      throw S3Error.SIGNATURE_DOES_NOT_MATCH.exception();
    }
    // a presigned URL covers the body only when it names its SHA-256 (X-Amz-Content-Sha256)
    boolean hex = isSha256Hex(payload);
    return new RequestAuth(entry.key.principal(), r, hex ? PayloadMode.SHA256 : PayloadMode.UNSIGNED, hex ? payload : null, null);
  }

  private String signature(SignedRequest r, String canonicalQuery, List<String> signedHeaders, String signedList, String payloadHash,
      String datetime, Scope scope, byte[] signingKey) {
    String canonical = r.method() + "\n" + Canonical.uri(r.rawPath()) + "\n" + canonicalQuery + "\n"
        + Canonical.headers(signedHeaders, r.headers()) + "\n" + signedList + "\n" + payloadHash;
    String toSign = ALGORITHM + "\n" + datetime + "\n" + scope.string(region) + "\n"
        + Digests.sha256Hex(canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return ChunkSigning.hmacHex(signingKey, toSign);
  }

  /** The payload form the request declares; presigned requests are always unsigned. */
  static PayloadMode payloadMode(SignedRequest r, boolean signedRequest) throws S3Exception {
    String v = r.header("x-amz-content-sha256");
    if (v == null || v.equals(UNSIGNED)) {
      return PayloadMode.UNSIGNED;
    }
    switch (v) {
      case STREAMING_SIGNED:
      case STREAMING_SIGNED_TRAILER:
        if (!signedRequest) {
          throw S3Error.ACCESS_DENIED.exception("A signed streaming payload needs a signed request");
        }
        return v.equals(STREAMING_SIGNED) ? PayloadMode.STREAMING_SIGNED : PayloadMode.STREAMING_SIGNED_TRAILER;
      case STREAMING_UNSIGNED_TRAILER:
        return PayloadMode.STREAMING_UNSIGNED_TRAILER;
      default:
        if (isSha256Hex(v)) {
          return PayloadMode.SHA256;
        }
        throw S3Error.INVALID_ARGUMENT.exception("x-amz-content-sha256 must be " + UNSIGNED + ", " + STREAMING_SIGNED + ", "
            + STREAMING_SIGNED_TRAILER + ", " + STREAMING_UNSIGNED_TRAILER + " or a valid sha256 value.");
    }
  }

  private static boolean isSha256Hex(String v) {
    return v.length() == 64 && v.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
  }

  /**
   * The signed header names, checked: lower case, sorted as sent, {@code host} among them, and every
   * {@code x-amz-*} header of the request signed (as S3: "There were headers present in the
   * request which were not signed").
   */
  private static List<String> signedHeaders(String list, SignedRequest r, boolean header) throws S3Exception {
    List<String> names = Arrays.asList(list.split(";"));
    for (String n : names) {
      if (n.isEmpty() || !n.equals(n.toLowerCase(Locale.ROOT))) {
        throw header ? malformedHeader("SignedHeaders must be lower-case names separated by ';'")
            : S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR.exception("X-Amz-SignedHeaders must be lower-case names separated by ';'");
      }
    }
    List<String> unsigned = new ArrayList<>();
    if (!names.contains("host")) {
      unsigned.add("host");
    }
    for (String h : r.headers().keySet()) {
      if (h.startsWith("x-amz-") && !names.contains(h)) {
        unsigned.add(h);
      }
    }
    if (!unsigned.isEmpty()) {
      unsigned.sort(null);
      throw S3Error.ACCESS_DENIED.exception("There were headers present in the request which were not signed: " + String.join(", ", unsigned));
    }
    return names;
  }

  /** Credential = AK/yyyyMMdd/region/s3/aws4_request. */
  record Scope(String accessKey, String date, String region) {
    String string(String region) {
      return date + "/" + region + "/s3/aws4_request";
    }
  }

  private Scope scope(String credential, boolean header) throws S3Exception {
    String[] p = credential.split("/", -1);
    if (p.length != 5 || p[0].isEmpty() || p[1].length() != 8 || !p[1].chars().allMatch(Character::isDigit)) {
      throw scopeError(header, "the Credential is malformed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
    }
    if (!p[2].equals(region)) {
      throw scopeError(header, "the region '" + p[2] + "' is wrong; expecting '" + region + "'");
    }
    if (!p[3].equals("s3")) {
      throw scopeError(header, "incorrect service '" + p[3] + "'. This endpoint belongs to 's3'.");
    }
    if (!p[4].equals("aws4_request")) {
      throw scopeError(header, "incorrect terminal '" + p[4] + "'. This endpoint uses 'aws4_request'.");
    }
    return new Scope(p[0], p[1], p[2]);
  }

  private static S3Exception scopeError(boolean header, String detail) {
    return header ? malformedHeader(detail)
        : S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR.exception("Error parsing the X-Amz-Credential parameter; " + detail);
  }

  private Entry key(String id) throws S3Exception {
    Entry e = keys.get(id);
    if (e == null) {
      throw S3Error.INVALID_ACCESS_KEY_ID.exception();
    }
    return e;
  }

  /** The request time in the basic ISO 8601 form, from x-amz-date or else Date. */
  private static String requestDate(SignedRequest r) throws S3Exception {
    String amz = r.header("x-amz-date");
    if (amz != null) {
      epochSeconds(amz);
      return amz;
    }
    String date = r.header("date");
    if (date != null) {
      try {
        ZonedDateTime t = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME);
        return AMZ_DATE.format(t.withZoneSameInstant(ZoneOffset.UTC));
      } catch (DateTimeParseException e) {
        // fall through
      }
    }
    throw S3Error.ACCESS_DENIED.exception("AWS authentication requires a valid Date or x-amz-date header");
  }

  private static long epochSeconds(String amzDate) throws S3Exception {
    try {
      return LocalDateTime.parse(amzDate, AMZ_DATE).toEpochSecond(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw S3Error.ACCESS_DENIED.exception("AWS authentication requires a valid Date or x-amz-date header");
    }
  }

  private static S3Exception malformedHeader(String detail) {
    return S3Error.AUTHORIZATION_HEADER_MALFORMED.exception("The authorization header is malformed; " + detail);
  }

  private static S3Exception v2() {
    return S3Error.ACCESS_DENIED.exception("Signature Version 2 is not supported; sign requests with AWS Signature Version 4");
  }
}
