package io.nectarfs.gateway.s3;

import io.nectarfs.common.FsException;
import io.nectarfs.gateway.s3.auth.SignedRequest;
import io.nectarfs.gateway.s3.store.BucketStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Jetty handler of the S3 gateway: gives the request its id, authenticates it, finds its bucket
 * and key ({@link S3Paths}), names its operation ({@link Route}), checks that the caller may run
 * it (read-only keys and anonymous callers only read, anonymous ones only public buckets), runs it
 * ({@link BucketOps}, {@link ObjectOps}, {@link MultipartOps}) and answers every failure with S3's
 * XML error body ({@link S3Errors} maps the volume's errors once). One access-log line and one
 * metric sample per request.
 *
 * <p>Concurrency: Jetty calls {@link #handle} on virtual threads, any number at once; the handler
 * keeps no per-request state (the store and the authenticator are thread-safe).
 */
final class S3Handler extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(S3Handler.class);
  /** The access log: one INFO line per request; route or silence it by this logger name. */
  static final Logger ACCESS = LoggerFactory.getLogger("io.nectarfs.gateway.s3.access");

  final S3Gateway.Options options;
  final BucketStore store;
  private final BucketOps buckets;
  private final ObjectOps objects;
  private final MultipartOps multipart;
  private final String hostId;
  private final AtomicLong counter = new AtomicLong(ThreadLocalRandom.current().nextLong() >>> 16);

  S3Handler(BucketStore store, S3Gateway.Options options) {
    this.store = store;
    this.options = options;
    this.buckets = new BucketOps(this);
    this.objects = new ObjectOps(this);
    this.multipart = new MultipartOps(this);
    byte[] h = new byte[32];
    ThreadLocalRandom.current().nextBytes(h);
    this.hostId = java.util.Base64.getEncoder().encodeToString(h);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    long start = System.nanoTime();
    String id = HexFormat.of().withUpperCase().toHexDigits(counter.incrementAndGet());
    response.getHeaders().put("x-amz-request-id", id);
    response.getHeaders().put("x-amz-id-2", hostId);
    S3Call[] holder = new S3Call[1];
    Throwable failure = null;
    try {
      serve(request, response, id, holder);
    } catch (Throwable t) {
      // the response was committed and then failed (the client went away): drop the connection
      LOG.debug("{} {}: {}", request.getMethod(), id, t.toString());
      failure = t;
    }
    // one sample and one log line per request, once its answer was written
    record(holder[0], response.getStatus(), System.nanoTime() - start, id);
    if (failure == null) {
      callback.succeeded();
    } else {
      callback.failed(failure);
    }
    return true;
  }

  private void record(S3Call call, int status, long nanos, String id) {
    String op = call == null ? "Unknown" : call.operation;
    options.metrics().latency("nectar_s3_request", "S3 requests by operation and status", "operation", op, "status", Integer.toString(status))
        .record(nanos, TimeUnit.NANOSECONDS);
    if (ACCESS.isInfoEnabled() && call != null) {
      // bucket and key URL-encoded: a key may hold spaces or line breaks, and one request stays one line
      ACCESS.info("{} {} {} {} {} {} {} {}ms", id, call.principal.anonymous() ? "-" : call.principal.accessKey(), op,
          call.bucket == null ? "-" : S3Paths.urlEncode(call.bucket), call.key == null ? "-" : S3Paths.urlEncode(call.key), status, call.bytesOut,
          nanos / 1_000_000);
    }
  }

  /** Serves one request; a failure before the response was committed is answered here, after it is thrown. */
  private void serve(Request request, Response response, String id, S3Call[] holder) throws IOException {
    S3Call c = null;
    try {
      S3Paths.Target t = S3Paths.target(request.getHeaders().get("Host"), request.getHttpURI().getPath(), options.domains());
      c = new S3Call(request, response, t.bucket(), t.key(), S3Paths.query(request.getHttpURI().getQuery()), id);
      holder[0] = c;
      Route r = Route.of(c);
      c.operation = r.name();
      c.auth = options.authenticator().authenticate(signed(request));
      c.principal = c.auth.principal();
      authorize(c, r);
      run(c, r);
    } catch (S3Exception e) {
      fail(request, response, c, id, e);
    } catch (FsException e) {
      fail(request, response, c, id, S3Errors.of(e, c == null ? null : c.bucket, c == null ? null : c.key));
    } catch (IOException | RuntimeException e) {
      if (response.isCommitted()) {
        throw e;
      }
      if (e instanceof IOException && !(e instanceof java.io.InterruptedIOException)) {
        // a broken upload body or a failing engine or store: one line
        LOG.warn("request {} ({} {}): {}", id, c == null ? "?" : c.operation, c == null ? "" : c.bucket + "/" + c.key, e.toString());
      } else {
        LOG.error("request {} ({}) failed", id, c == null ? "?" : c.operation, e); // a bug: keep the stack, in the log only
      }
      fail(request, response, c, id, S3Error.INTERNAL_ERROR.exception());
    }
  }

  private void run(S3Call c, Route r) throws IOException {
    switch (r) {
      case ListBuckets -> buckets.listBuckets(c);
      case CreateBucket -> buckets.create(c);
      case DeleteBucket -> buckets.delete(c);
      case HeadBucket -> buckets.head(c);
      case GetBucketLocation -> buckets.location(c);
      case GetBucketVersioning -> buckets.versioning(c);
      case GetBucketAcl -> buckets.acl(c, null);
      case GetObjectAcl -> buckets.acl(c, h -> h.store.head(c.ctx(), c.bucket, c.key).uid());
      case ListObjects -> buckets.list(c, false);
      case ListObjectsV2 -> buckets.list(c, true);
      case ListMultipartUploads -> multipart.uploads(c);
      case DeleteObjects -> objects.deleteObjects(c);
      case GetObject, HeadObject -> objects.get(c);
      case PutObject -> objects.put(c);
      case CopyObject -> objects.copy(c);
      case DeleteObject -> objects.delete(c);
      case GetObjectTagging -> objects.getTags(c);
      case PutObjectTagging -> objects.putTags(c);
      case DeleteObjectTagging -> objects.deleteTags(c);
      case CreateMultipartUpload -> multipart.create(c);
      case UploadPart -> multipart.uploadPart(c);
      case UploadPartCopy -> multipart.copyPart(c);
      case ListParts -> multipart.parts(c);
      case CompleteMultipartUpload -> multipart.complete(c);
      case AbortMultipartUpload -> multipart.abort(c);
      case NotImplemented -> throw S3Error.NOT_IMPLEMENTED.exception("This operation is not implemented by the NectarFS gateway.");
    }
  }

  /** Read-only keys and anonymous callers only read; anonymous callers only public buckets. */
  private void authorize(S3Call c, Route r) throws S3Exception {
    if (r == Route.NotImplemented) {
      return;
    }
    if (c.principal.anonymous()) {
      if (!r.read() || c.bucket == null || !options.publicBuckets().contains(c.bucket)) {
        throw S3Error.ACCESS_DENIED.exception();
      }
    } else if (c.principal.readOnly() && !r.read()) {
      throw S3Error.ACCESS_DENIED.exception("Access Denied: the access key is read-only.");
    }
  }

  private static SignedRequest signed(Request request) {
    Map<String, List<String>> h = new LinkedHashMap<>();
    for (HttpField f : request.getHeaders()) {
      h.computeIfAbsent(f.getLowerCaseName(), k -> new ArrayList<>(1)).add(f.getValue());
    }
    String q = request.getHttpURI().getQuery();
    return new SignedRequest(request.getMethod(), request.getHttpURI().getPath(), q == null ? "" : q, h);
  }

  /** S3's error answer: the status, and (but for HEAD and 304) the XML error body. */
  private void fail(Request request, Response response, S3Call c, String id, S3Exception e) throws IOException {
    if (response.isCommitted()) {
      throw e; // nothing more can be told: the connection is dropped
    }
    S3Error err = e.error();
    if (S3Errors.serverSide(err)) {
      LOG.warn("request {} ({}): {}", id, c == null ? "?" : c.operation, e.getCause() != null ? e.getCause().toString() : e.getMessage());
    }
    response.reset();
    response.getHeaders().put("x-amz-request-id", id);
    response.getHeaders().put("x-amz-id-2", hostId);
    S3Call out = c != null ? c : new S3Call(request, response, null, null, Map.of(), id);
    out.errorHeaders.forEach(out::header);
    if (err == S3Error.NOT_MODIFIED || request.getMethod().equals("HEAD")) {
      out.empty(err.status());
      return;
    }
    String resource = request.getHttpURI().getPath();
    Xml x = Xml.plain("Error").el("Code", err.code()).el("Message", e.getMessage());
    if (out.key != null && (err == S3Error.NO_SUCH_KEY || err == S3Error.KEY_TOO_LONG || err == S3Error.PRECONDITION_FAILED)) {
      x.el("Key", out.key);
    }
    if (out.bucket != null && (err == S3Error.NO_SUCH_BUCKET || err == S3Error.BUCKET_NOT_EMPTY || err == S3Error.BUCKET_ALREADY_OWNED_BY_YOU
        || err == S3Error.BUCKET_ALREADY_EXISTS || err == S3Error.INVALID_BUCKET_NAME)) {
      x.el("BucketName", out.bucket);
    }
    if (err == S3Error.NO_SUCH_UPLOAD) {
      x.el("UploadId", out.param("uploadId"));
    }
    x.el("Resource", resource).el("RequestId", id).el("HostId", hostId);
    if (err == S3Error.METHOD_NOT_ALLOWED) {
      out.header("Allow", "GET, HEAD, PUT, POST, DELETE");
    }
    out.xml(err.status(), x.end("Error"));
  }
}
