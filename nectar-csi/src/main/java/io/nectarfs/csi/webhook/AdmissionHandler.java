package io.nectarfs.csi.webhook;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /mutate}: one AdmissionReview per request, answered by the {@link Injector}; {@code
 * GET /healthz} for probes. A review that cannot be read is HTTP 400 (413 when too large) with a
 * one-line message; when the API server cannot be asked there is no decision but HTTP 500, so the
 * webhook's {@code failurePolicy} decides. Logs name pods, claims and reasons, never a value of a
 * Secret or of the pod's environment.
 *
 * <p>Thread-safe: no state of its own; each request runs on a Jetty thread (blocking reads).
 */
final class AdmissionHandler extends Handler.Abstract {
  static final String PATH = "/mutate";
  static final String HEALTH = "/healthz";
  private static final Logger LOG = LoggerFactory.getLogger(AdmissionHandler.class);
  /** Bytes of a too-large body read and dropped so that the client sees the 413. */
  private static final long DRAIN_BYTES = 64L << 20;

  private final KubernetesClient client;
  private final StorageObjects objects;
  private final WebhookConfig config;

  AdmissionHandler(KubernetesClient client, StorageObjects objects, WebhookConfig config) {
    this.client = client;
    this.objects = objects;
    this.config = config;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    if (path.equals(HEALTH)) {
      send(response, callback, HttpStatus.OK_200, "text/plain", "ok\n");
    } else if (!path.equals(PATH)) {
      send(response, callback, HttpStatus.NOT_FOUND_404, "text/plain", "not found: AdmissionReviews go to " + PATH + "\n");
    } else if (!"POST".equals(request.getMethod())) {
      send(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "text/plain", "POST an AdmissionReview to " + PATH + "\n");
    } else {
      review(request, response, callback);
    }
    return true;
  }

  private void review(Request request, Response response, Callback callback) {
    InputStream in = Content.Source.asInputStream(request);
    byte[] body;
    try {
      body = read(in, request.getLength(), config.maxRequestBytes());
    } catch (IOException e) {
      send(response, callback, HttpStatus.BAD_REQUEST_400, "text/plain", "cannot read the request body: " + e.getMessage() + "\n");
      return;
    }
    if (body == null) {
      if (!drained(in, DRAIN_BYTES)) {
        // The rest stays unread and Jetty closes the connection after this answer: say so.
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
      }
      send(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, "text/plain",
          "AdmissionReview larger than " + config.maxRequestBytes() + " bytes\n");
      return;
    }
    try {
      send(response, callback, HttpStatus.OK_200, "application/json", answer(body));
    } catch (AdmissionReviews.BadReview e) {
      LOG.info("bad AdmissionReview: {}", e.getMessage());
      send(response, callback, HttpStatus.BAD_REQUEST_400, "text/plain", e.getMessage() + "\n");
    } catch (KubernetesClientException | IOException e) {
      String why = "no decision: the Kubernetes API server did not answer: " + apiMessage(e);
      LOG.warn("{}", why);
      send(response, callback, HttpStatus.INTERNAL_SERVER_ERROR_500, "text/plain", why + "\n");
    }
  }

  /** The response to one review. */
  private byte[] answer(byte[] body) throws AdmissionReviews.BadReview, IOException {
    AdmissionReviews.Request r = AdmissionReviews.parse(body);
    if (!"Pod".equals(r.kind()) || !"CREATE".equals(r.operation()) || r.object() == null) {
      return AdmissionReviews.allow(r.uid(), null);
    }
    Pod pod = AdmissionReviews.pod(r);
    String ns = r.namespace() != null ? r.namespace() : pod.getMetadata() == null ? "default" : pod.getMetadata().getNamespace();
    String who = "pod " + ns + "/" + name(pod);
    return switch (new Injector(client, objects, config).decide(pod, ns)) {
      case Injector.Leave l -> {
        LOG.debug("{}: unchanged ({})", who, l.why());
        yield AdmissionReviews.allow(r.uid(), null);
      }
      case Injector.Inject i -> {
        LOG.info("{}: sidecars injected for volumes {}", who, i.volumes());
        yield AdmissionReviews.allow(r.uid(), AdmissionReviews.patch(pod, i.mutated()));
      }
      case Injector.Refuse f -> {
        LOG.info("{}: refused: {}", who, f.why());
        yield AdmissionReviews.refuse(r.uid(), "nectarfs sidecar: " + f.why());
      }
    };
  }

  /** The body ({@code length} as announced, -1 if not), or null when it is longer than {@code max}. */
  private static byte[] read(InputStream in, long length, int max) throws IOException {
    if (length > max) {
      return null;
    }
    byte[] b = in.readNBytes(max + 1);
    return b.length > max ? null : b;
  }

  /**
   * Reads and drops the rest of a refused body, at most {@code limit} bytes: a client that sends
   * its whole body before it reads the answer (no {@code Expect: 100-continue}) then gets the
   * answer instead of a reset connection. False when the body was longer or could not be read.
   */
  private static boolean drained(InputStream in, long limit) {
    try {
      byte[] buf = new byte[64 << 10];
      for (long left = limit; left > 0; ) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          return true;
        }
        left -= n;
      }
      return in.read() < 0;
    } catch (IOException e) {
      return false;
    }
  }

  private static String name(Pod pod) {
    if (pod.getMetadata() == null) {
      return "-";
    }
    if (pod.getMetadata().getName() != null) {
      return pod.getMetadata().getName();
    }
    return pod.getMetadata().getGenerateName() == null ? "-" : pod.getMetadata().getGenerateName() + "*";
  }

  private static String apiMessage(Exception e) {
    if (e instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
      return k.getStatus().getMessage();
    }
    String m = e.getCause() != null ? e.getCause().toString() : String.valueOf(e.getMessage());
    return m.lines().findFirst().orElse(m);
  }

  private static void send(Response response, Callback callback, int status, String type, String body) {
    send(response, callback, status, type + "; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(Response response, Callback callback, int status, String type, byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
