package io.nectarfs.csi.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.Pod;
import io.nectarfs.csi.pod.MountPods;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * The dashboard's routes. GET only reads; the actions (warm-up, upgrade) are POSTs that need the
 * bearer token ({@code Authorization: Bearer}, or the form field {@code token} of the page).
 * Errors are one line of text: 400 for malformed input, 403 for a missing or wrong token (and
 * whenever actions are off), 404 for unknown paths and objects, 405 for a wrong method, 502 when
 * the API server does not give what was asked.
 *
 * <p>Thread-safe: no state of its own; every request reads a fresh snapshot of the {@link
 * ClusterView}.
 */
final class DashboardHandler extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(DashboardHandler.class);
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9.\\-]{0,251}[a-z0-9])?");
  private static final Pattern POD_PAGE = Pattern.compile("/pods/([^/]+)/([^/]+)");
  private static final Pattern POD_API = Pattern.compile("/api/pods/([^/]+)/([^/]+)");
  private static final Pattern MOUNT_API = Pattern.compile("/api/mountpods/([^/]+)/([^/]+)/(logs|warmup|upgrade)");
  private static final int MAX_FORM = 16 << 10;
  private static final int MAX_TAIL = 10_000;
  private static final String CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final ClusterView view;
  private final Relations relations;
  private final Tips tips;
  private final Quotas quotas;
  private final Lookups lookups;
  private final Actions actions;

  DashboardHandler(ClusterView view, Relations relations, Tips tips, Quotas quotas, Lookups lookups, Actions actions) {
    this.view = view;
    this.relations = relations;
    this.tips = tips;
    this.quotas = quotas;
    this.lookups = lookups;
    this.actions = actions;
  }

  /** A request that cannot be answered, with its status and one-line message. */
  static final class Refusal extends Exception {
    final int status;

    Refusal(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    try {
      route(request, response, callback);
    } catch (Refusal r) {
      text(response, callback, r.status, r.getMessage());
    } catch (IllegalArgumentException e) {
      text(response, callback, HttpStatus.BAD_REQUEST_400, Lookups.oneLine(e));
    } catch (IOException | RuntimeException e) {
      LOG.warn("{} {}: {}", request.getMethod(), Request.getPathInContext(request), Lookups.oneLine(e));
      text(response, callback, HttpStatus.INTERNAL_SERVER_ERROR_500, "internal error: " + Lookups.oneLine(e));
    }
    return true;
  }

  private void route(Request request, Response response, Callback callback) throws Refusal, IOException {
    String path = Request.getPathInContext(request);
    String method = request.getMethod();
    Matcher m;
    if (path.equals("/healthz")) {
      get(method, params(request));
      text(response, callback, HttpStatus.OK_200, "ok");
    } else if (path.equals("/") || path.equals("/api/overview")) {
      get(method, null);
      Filter f = Filter.parse(params(request));
      Snapshot s = snapshot();
      Model.Overview used = Quotas.withUsage(s.all(), quotas.read(s.all()));
      if (path.equals("/")) {
        html(response, callback, HttpStatus.OK_200, Pages.overview(f.apply(used), tips.diagnose(used, s.inputs(), relations), f, actions.enabled()));
      } else {
        json(response, callback, HttpStatus.OK_200, f.apply(used));
      }
    } else if (path.equals("/api/tips")) {
      get(method, params(request));
      Snapshot s = snapshot();
      json(response, callback, HttpStatus.OK_200, tips.diagnose(s.all(), s.inputs(), relations));
    } else if ((m = POD_PAGE.matcher(path)).matches() || (m = POD_API.matcher(path)).matches()) {
      get(method, params(request));
      String ns = name(m.group(1));
      String name = name(m.group(2));
      Snapshot s = snapshot();
      Details.Detail d = Details.of(ns, name, s.all(), s.inputs(), lookups)
          .orElseThrow(() -> new Refusal(HttpStatus.NOT_FOUND_404, "no pod " + ns + "/" + name + " with NectarFS volumes, and no such mount pod"));
      if (path.startsWith("/api/")) {
        json(response, callback, HttpStatus.OK_200, d);
      } else {
        html(response, callback, HttpStatus.OK_200, Pages.detail(d, s.all().freshness(), actions.enabled()));
      }
    } else if ((m = MOUNT_API.matcher(path)).matches()) {
      String ns = name(m.group(1));
      String name = name(m.group(2));
      switch (m.group(3)) {
        case "logs" -> logs(request, response, callback, method, ns, name);
        case "warmup" -> warmup(request, response, callback, method, ns, name);
        default -> upgrade(request, response, callback, method, ns, name);
      }
    } else {
      throw new Refusal(HttpStatus.NOT_FOUND_404, "not found: " + path + " (pages: /, /pods/NS/NAME; API: /api/overview, /api/tips, /api/pods/NS/NAME, "
          + "/api/mountpods/NS/NAME/logs)");
    }
  }

  /** The informers' objects at one moment and the whole overview made of them. */
  private record Snapshot(Inputs inputs, Model.Overview all) {}

  private Snapshot snapshot() {
    Model.Freshness f = view.freshness(); // before the objects: "current at" is never later than they are
    Inputs in = view.inputs();
    return new Snapshot(in, relations.overview(in, f));
  }

  private void logs(Request request, Response response, Callback callback, String method, String ns, String name) throws Refusal {
    Map<String, List<String>> p = params(request);
    get(method, null);
    for (String k : p.keySet()) {
      if (!Set.of("tail", "previous").contains(k)) {
        throw new IllegalArgumentException("unknown query parameter '" + k + "' (known: tail, previous)");
      }
    }
    int tail = 200;
    if (p.containsKey("tail")) {
      try {
        tail = Integer.parseInt(p.get("tail").getFirst());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("tail must be a number of lines from 1 to " + MAX_TAIL + ", got '" + p.get("tail").getFirst() + "'");
      }
      if (tail < 1 || tail > MAX_TAIL) {
        throw new IllegalArgumentException("tail must be a number of lines from 1 to " + MAX_TAIL + ", got " + tail);
      }
    }
    boolean previous = false;
    if (p.containsKey("previous")) {
      String v = p.get("previous").getFirst();
      if (!v.equals("true") && !v.equals("false")) {
        throw new IllegalArgumentException("previous must be true or false, got '" + v + "'");
      }
      previous = v.equals("true");
    }
    mountPod(ns, name);
    String text;
    try {
      text = lookups.logs(ns, name, tail, previous);
    } catch (IOException e) {
      throw new Refusal(HttpStatus.BAD_GATEWAY_502, e.getMessage());
    }
    response.getHeaders().put(HttpHeader.CONTENT_DISPOSITION, "attachment; filename=\"" + name + (previous ? "-previous" : "") + ".log\"");
    send(response, callback, HttpStatus.OK_200, "text/plain", text.getBytes(StandardCharsets.UTF_8));
  }

  /** The form of an allowed action: POST, with the bearer token (header or form field). */
  private Map<String, List<String>> actionForm(Request request, String method, String what) throws Refusal, IOException {
    if (!"POST".equals(method)) {
      throw new Refusal(HttpStatus.METHOD_NOT_ALLOWED_405, what + " is POST with the actions token");
    }
    Map<String, List<String>> form = form(request);
    String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    String token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7) : first(form, "token");
    if (!actions.enabled()) {
      throw new Refusal(HttpStatus.FORBIDDEN_403, "actions are off: start the dashboard with --actions-token-file");
    }
    if (!actions.allows(token)) {
      throw new Refusal(HttpStatus.FORBIDDEN_403, "actions need the bearer token of --actions-token-file");
    }
    return form;
  }

  private void upgrade(Request request, Response response, Callback callback, String method, String ns, String name) throws Refusal, IOException {
    Map<String, List<String>> form = actionForm(request, method, "upgrade");
    String image = first(form, "image");
    mountPod(ns, name);
    try {
      actions.upgrade(ns, name, image);
    } catch (IOException e) {
      throw new Refusal(HttpStatus.BAD_GATEWAY_502, e.getMessage());
    }
    LOG.info("upgrade of mount pod {}/{} to image {} asked", ns, name, image);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("pod", ns + "/" + name);
    out.put("image", image);
    out.put("message", "the node plugin replaces the pod's container by one of this image without unmounting; its programs pause meanwhile");
    json(response, callback, HttpStatus.ACCEPTED_202, out);
  }

  private void warmup(Request request, Response response, Callback callback, String method, String ns, String name) throws Refusal, IOException {
    Map<String, List<String>> form = actionForm(request, method, "warm-up");
    String path = first(form, "path");
    String mountPoint = Details.mountPoint(Details.command(mountPod(ns, name)));
    if (mountPoint == null) {
      throw new Refusal(HttpStatus.CONFLICT_409, "mount pod " + ns + "/" + name + " has no 'nectar mount' command to find its mount point in");
    }
    Actions.Result r = actions.warmup(ns, name, mountPoint, path == null ? "/" : path);
    LOG.info("warm-up of {} started in mount pod {}/{} (exit {})", path, ns, name, r.exit());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("pod", ns + "/" + name);
    out.put("path", path == null ? "/" : path);
    out.put("exit", r.exit());
    out.put("output", r.output());
    out.put("message", r.exit() == 0 ? "warm-up started; its progress goes to the mount pod's log" : "warm-up did not start");
    json(response, callback, r.exit() == 0 ? HttpStatus.ACCEPTED_202 : HttpStatus.BAD_GATEWAY_502, out);
  }

  /** The mount pod {@code ns/name} as the informer has it. */
  private Pod mountPod(String ns, String name) throws Refusal {
    Pod p = view.pod(ns, name);
    if (p == null || p.getMetadata().getLabels() == null || !MountPods.APP.equals(p.getMetadata().getLabels().get(MountPods.LABEL_APP))) {
      throw new Refusal(HttpStatus.NOT_FOUND_404, "no mount pod " + ns + "/" + name);
    }
    return p;
  }

  private static void get(String method, Map<String, List<String>> params) throws Refusal {
    if (!"GET".equals(method) && !"HEAD".equals(method)) {
      throw new Refusal(HttpStatus.METHOD_NOT_ALLOWED_405, method + " not allowed: pages and the API are read with GET");
    }
    if (params != null && !params.isEmpty()) {
      throw new IllegalArgumentException("unknown query parameter '" + params.keySet().iterator().next() + "' (none taken here)");
    }
  }

  private static String name(String s) {
    if (!NAME.matcher(s).matches()) {
      throw new IllegalArgumentException("'" + s + "' is not a Kubernetes name (lower-case letters, digits, '-' and '.')");
    }
    return s;
  }

  static Map<String, List<String>> params(Request request) {
    return decode(request.getHttpURI().getQuery());
  }

  /** {@code a=b&c=d}, percent-decoded; a malformed escape is an IllegalArgumentException. */
  static Map<String, List<String>> decode(String query) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return out;
    }
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }

  private static Map<String, List<String>> form(Request request) throws IOException, Refusal {
    Map<String, List<String>> q = params(request);
    String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    if (type == null || !type.startsWith("application/x-www-form-urlencoded")) {
      return q;
    }
    byte[] body;
    try (InputStream in = Content.Source.asInputStream(request)) {
      body = in.readNBytes(MAX_FORM + 1);
    }
    if (body.length > MAX_FORM) {
      throw new Refusal(HttpStatus.PAYLOAD_TOO_LARGE_413, "form larger than " + MAX_FORM + " bytes");
    }
    decode(new String(body, StandardCharsets.UTF_8)).forEach((k, v) -> q.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
    return q;
  }

  private static String first(Map<String, List<String>> m, String k) {
    List<String> v = m.get(k);
    return v == null || v.isEmpty() ? null : v.getFirst();
  }

  private static void html(Response response, Callback callback, int status, String page) {
    response.getHeaders().put("Content-Security-Policy", CSP);
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    send(response, callback, status, "text/html", page.getBytes(StandardCharsets.UTF_8));
  }

  private static void json(Response response, Callback callback, int status, Object value) throws JsonProcessingException {
    send(response, callback, status, "application/json", JSON.writeValueAsBytes(value));
  }

  private static void text(Response response, Callback callback, int status, String line) {
    send(response, callback, status, "text/plain", (line.lines().findFirst().orElse("") + "\n").getBytes(StandardCharsets.UTF_8));
  }

  private static void send(Response response, Callback callback, int status, String type, byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type + "; charset=utf-8");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
