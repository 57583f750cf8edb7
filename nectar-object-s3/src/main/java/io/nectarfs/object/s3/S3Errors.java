package io.nectarfs.object.s3;

import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.object.TransientStoreException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.NoSuchFileException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns AWS SDK exceptions into the {@link io.nectarfs.object.ObjectStore} error contract: one-line
 * messages that name the (redacted) endpoint and say what to do, {@link NoSuchFileException} for
 * missing keys, {@link TransientStoreException} for everything a retry may fix, and an ENOSPC
 * {@link FsException} for a full store or an exceeded quota (HTTP 507, QuotaExceeded, …).
 */
final class S3Errors {
  static final String CREDENTIALS_HINT =
      "check the access key and secret key (URL user info, NECTAR_S3_ACCESS_KEY/NECTAR_S3_SECRET_KEY"
          + " or their _FILE variants, NECTAR_S3_CREDENTIALS_FILE)";

  /** Error codes of S3 servers (AWS, MinIO, Ceph RGW, …) meaning that no more data fits. */
  static final java.util.Set<String> STORAGE_FULL =
      java.util.Set.of("QuotaExceeded", "EntityTooLarge", "XMinioStorageFull", "InsufficientStorage", "StorageFull", "NotEnoughSpace");

  private final String endpoint;
  private final String bucket;
  private final String hostPort;

  /**
   * @param endpoint the endpoint as shown in messages (redacted)
   * @param bucket the bucket name
   * @param hostPort the host and port that connections go to, for connection errors
   */
  S3Errors(String endpoint, String bucket, String hostPort) {
    this.endpoint = endpoint;
    this.bucket = bucket;
    this.hostPort = hostPort;
  }

  /**
   * Maps a failure of operation {@code op} on {@code key} (the user's key, without the store's
   * prefix; may be null for bucket-level operations).
   */
  IOException map(String op, String key, SdkException e) {
    if (e instanceof AwsServiceException s) {
      return mapService(op, key, s);
    }
    String what = op + (key == null ? "" : " '" + key + "'");
    if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
      return new TransientStoreException(what + " timed out at " + endpoint, e);
    }
    Throwable c = rootNetworkCause(e);
    if (c instanceof UnknownHostException) {
      return new IOException("cannot connect to " + hostPort + " (unknown host): check the host name in the URL " + endpoint, e);
    }
    if (c instanceof ConnectException || c instanceof NoRouteToHostException) {
      String why = c instanceof NoRouteToHostException ? "no route to host" : "connection refused";
      if (c.getMessage() != null && c.getMessage().toLowerCase(java.util.Locale.ROOT).contains("timed out")) {
        why = "connect timed out";
      }
      return new TransientStoreException("cannot connect to " + hostPort + " (" + why + "): is the S3 server running?", e);
    }
    if (c instanceof SocketTimeoutException || c instanceof InterruptedIOException) {
      return new TransientStoreException(what + " timed out talking to " + hostPort, e);
    }
    if (c instanceof SocketException || (c instanceof IOException && c != e)) {
      return new TransientStoreException(what + " failed talking to " + hostPort + ": " + oneLine(c.toString()), e);
    }
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof SdkClientException && msg.contains("Unable to load credentials")) {
      return new IOException(
          "no S3 credentials for " + endpoint + ": put ACCESS:SECRET in the URL, set NECTAR_S3_ACCESS_KEY and"
              + " NECTAR_S3_SECRET_KEY, set NECTAR_S3_CREDENTIALS_FILE, or configure the AWS default chain", e);
    }
    return new IOException(what + " failed at " + endpoint + ": " + oneLine(msg), e);
  }

  private IOException mapService(String op, String key, AwsServiceException s) {
    int status = s.statusCode();
    String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
    String what = op + (key == null ? "" : " '" + key + "'");
    if ("NoSuchBucket".equals(code)) {
      return noSuchBucket(s);
    }
    if (status == 404 || "NoSuchKey".equals(code) || "NoSuchUpload".equals(code)) {
      NoSuchFileException n = new NoSuchFileException(key == null ? bucket : key);
      n.initCause(s);
      return n;
    }
    if (status == 507 || (code != null && STORAGE_FULL.contains(code))) {
      // Not transient: retrying a full store or an exhausted quota only delays the ENOSPC.
      FsException full = new FsException(Errno.ENOSPC, what + " failed at " + endpoint + " (" + (code == null ? "HTTP " + status : code + ", HTTP " + status)
          + "): the storage is full or over its quota");
      full.initCause(s);
      return full;
    }
    if ("RequestTimeTooSkewed".equals(code)) {
      return new IOException("the clock of this machine differs too much from " + endpoint + "'s: synchronize it (NTP)", s);
    }
    if (status == 403 || status == 401 || "InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)
        || "AccessDenied".equals(code)) {
      return new IOException("access denied by " + endpoint + " (" + (code == null ? "HTTP " + status : code) + " on " + what
          + "): " + CREDENTIALS_HINT, s);
    }
    String detail = (code == null ? "HTTP " + status : code + ", HTTP " + status)
        + (s.awsErrorDetails() != null && s.awsErrorDetails().errorMessage() != null
            ? ": " + oneLine(s.awsErrorDetails().errorMessage()) : "");
    if (status >= 500 || status == 429 || "SlowDown".equals(code) || "RequestTimeout".equals(code)
        || "Throttling".equals(code) || "ThrottlingException".equals(code) || "RequestTimeoutException".equals(code)) {
      return new TransientStoreException(what + " failed at " + endpoint + " (" + detail + "); retryable", s);
    }
    return new IOException(what + " failed at " + endpoint + " (" + detail + ")", s);
  }

  IOException noSuchBucket(Throwable cause) {
    return new IOException(
        "bucket '" + bucket + "' does not exist at " + endpoint + ": create it first (or add ?create-bucket=true) or check the URL", cause);
  }

  /** The innermost cause that says what went wrong on the wire, else {@code e} itself. */
  private static Throwable rootNetworkCause(Throwable e) {
    Throwable best = e;
    for (Throwable c = e; c != null && c.getCause() != c; c = c.getCause()) {
      if (c instanceof IOException) {
        best = c;
        if (c instanceof UnknownHostException || c instanceof ConnectException || c instanceof SocketTimeoutException) {
          return c;
        }
      }
    }
    return best;
  }

  static String oneLine(String s) {
    String t = s.replaceAll("\\s+", " ").trim();
    return t.length() > 300 ? t.substring(0, 300) + "…" : t;
  }
}
