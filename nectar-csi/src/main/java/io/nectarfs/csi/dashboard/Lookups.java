package io.nectarfs.csi.dashboard;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventList;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.nectarfs.common.Clock;
import io.nectarfs.csi.pod.MountPods;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * What the dashboard asks on demand, each with a short timeout and tolerating failure: whether a
 * Secret exists (a GET by name asking for metadata only; the answer's body is never read), a mount
 * pod's log tail (redacted), its last error line, its {@code /metrics}, an object's recent events.
 *
 * <p>Concurrency: called from request threads at once. The caches are {@link ConcurrentHashMap}s
 * bounded by {@value #MAX_CACHED} entries (cleared when full); an entry is a pure function of its
 * key and time, so a lost race only costs a second request. Secret answers live {@value
 * #SECRET_TTL_MS} ms; last error lines are keyed by pod uid and restart count (a new crash, a new
 * line); metrics live {@value #METRICS_TTL_MS} ms per pod uid (a page refresh does not ask every
 * mount again); a node's volume stats live {@value #STATS_TTL_MS} ms, failures too (a page
 * refresh does not ask a kubelet that did not answer again at once).
 */
final class Lookups {
  static final int MAX_CACHED = 1024;
  static final long SECRET_TTL_MS = 30_000;
  static final long METRICS_TTL_MS = 10_000;
  static final long STATS_TTL_MS = 15_000;
  private static final Pattern ERROR_LINE = Pattern.compile("(?i)\\b(error|fatal|exception|failed|cannot|refused|denied|panic)\\b");

  private final KubernetesClient client;
  private final HttpClient http;
  private final Duration timeout;
  private final Clock clock;
  private final Map<String, Known> secrets = new ConcurrentHashMap<>();
  private final Map<String, String> lastErrors = new ConcurrentHashMap<>();
  private final Map<String, Measured> metrics = new ConcurrentHashMap<>();
  private final Map<String, NodeStats> stats = new ConcurrentHashMap<>();

  private record Measured(Optional<Model.Metrics> metrics, long atMillis) {}

  /** A node's claims' usage by {@code namespace/name}, or (empty) why it could not be read, in one line. */
  record NodeStats(Map<String, Model.Usage> claims, String error, long atMillis) {
    NodeStats {
      claims = Map.copyOf(claims);
    }
  }

  private record Known(Optional<Boolean> exists, long atMillis) {}

  Lookups(KubernetesClient client, Duration timeout, Clock clock) {
    this.client = client;
    this.timeout = timeout;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /** Whether Secret {@code ns/name} exists; empty when the API server did not say (down, forbidden). */
  Optional<Boolean> secretExists(String ns, String name) {
    String key = ns + "/" + name;
    long now = clock.nowMillis();
    Known k = secrets.get(key);
    if (k != null && now - k.atMillis() < SECRET_TTL_MS) {
      return k.exists();
    }
    Optional<Boolean> exists;
    try {
      HttpResponse<InputStream> r = get("api/v1/namespaces/" + enc(ns) + "/secrets/" + enc(name),
          "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json", InputStream.class);
      r.body().close(); // never read: existence is the status code
      exists = r.code() == 200 ? Optional.of(true) : r.code() == 404 ? Optional.of(false) : Optional.empty();
    } catch (IOException e) {
      exists = k == null ? Optional.empty() : k.exists();
    }
    bound(secrets).put(key, new Known(exists, now));
    return exists;
  }

  /**
   * The last {@code lines} lines of the mount container's log ({@code previous}: of its last
   * terminated run), every line redacted.
   *
   * @throws IOException with a one-line reason when the API server does not give them
   */
  String logs(String ns, String name, int lines, boolean previous) throws IOException {
    HttpResponse<String> r = get("api/v1/namespaces/" + enc(ns) + "/pods/" + enc(name) + "/log?container=" + MountPods.CONTAINER
        + "&tailLines=" + lines + (previous ? "&previous=true" : ""), "text/plain", String.class);
    if (r.code() != 200) {
      throw new IOException("the API server answered HTTP " + r.code() + " for the logs of pod " + ns + "/" + name);
    }
    StringBuilder out = new StringBuilder();
    r.body().lines().forEach(l -> out.append(Redact.line(l)).append('\n'));
    return out.toString();
  }

  /** The last line of a crashed mount container's previous run that names an error, redacted; empty when none is known. */
  Optional<String> lastErrorLine(Pod pod) {
    String key = pod.getMetadata().getUid() + "/" + MountPods.restarts(pod);
    String known = lastErrors.get(key);
    if (known != null) {
      return Optional.of(known).filter(s -> !s.isEmpty());
    }
    String found = "";
    try {
      List<String> lines = logs(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), 50, true).lines().toList();
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (ERROR_LINE.matcher(lines.get(i)).find()) {
          found = lines.get(i).strip();
          break;
        }
      }
      if (found.isEmpty() && !lines.isEmpty()) {
        found = lines.getLast().strip();
      }
    } catch (IOException e) {
      return Optional.empty(); // not cached: the next look asks again
    }
    bound(lastErrors).put(key, found);
    return Optional.of(found).filter(s -> !s.isEmpty());
  }

  /**
   * Where the mount container serves {@code /metrics}: the pod IP and its container port named
   * {@code metrics}, or the port of a {@code --metrics=HOST:PORT} option whose host is not loopback.
   */
  static Optional<URI> metricsUri(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getPodIP() == null || pod.getSpec() == null) {
      return Optional.empty();
    }
    for (Container c : pod.getSpec().getContainers()) {
      if (!MountPods.CONTAINER.equals(c.getName())) {
        continue;
      }
      Integer port = null;
      for (ContainerPort p : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
        if ("metrics".equals(p.getName())) {
          port = p.getContainerPort();
        }
      }
      List<String> args = new ArrayList<>(c.getCommand() == null ? List.of() : c.getCommand());
      args.addAll(c.getArgs() == null ? List.of() : c.getArgs());
      for (int i = 0; i < args.size() && port == null; i++) {
        String a = args.get(i);
        String address = a.startsWith("--metrics=") ? a.substring(10) : a.equals("--metrics") && i + 1 < args.size() ? args.get(i + 1) : null;
        if (address != null && !address.startsWith("127.") && !address.startsWith("localhost") && address.lastIndexOf(':') >= 0) {
          try {
            port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
          } catch (NumberFormatException e) {
            // not a port: no metrics
          }
        }
      }
      if (port != null) {
        String ip = pod.getStatus().getPodIP();
        return Optional.of(URI.create("http://" + (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port + "/metrics"));
      }
    }
    return Optional.empty();
  }

  /** The mount's key metrics, or empty when it serves none or does not answer within the timeout. */
  Optional<Model.Metrics> metrics(Pod pod) {
    Optional<URI> uri = metricsUri(pod);
    if (uri.isEmpty()) {
      return Optional.empty();
    }
    String key = pod.getMetadata().getUid() + " " + uri.get();
    long now = clock.nowMillis();
    Measured m = metrics.get(key);
    if (m != null && now - m.atMillis() < METRICS_TTL_MS) {
      return m.metrics();
    }
    Optional<Model.Metrics> fetched = fetchMetrics(uri.get());
    bound(metrics).put(key, new Measured(fetched, now));
    return fetched;
  }

  private Optional<Model.Metrics> fetchMetrics(URI uri) {
    try {
      java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(MetricsText.parse(r.body())) : Optional.empty();
    } catch (IOException | IllegalArgumentException e) { // not answering, or not Prometheus text: no metrics
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /**
   * The volume stats of the claims mounted on {@code node}, from its kubelet's Summary API through
   * the API server's node proxy ({@code get nodes/proxy}); a failure is kept as its reason.
   */
  NodeStats volumeStats(String node) {
    long now = clock.nowMillis();
    NodeStats known = stats.get(node);
    if (known != null && now - known.atMillis() < STATS_TTL_MS) {
      return known;
    }
    NodeStats fetched;
    try {
      HttpResponse<String> r = get("api/v1/nodes/" + enc(node) + "/proxy/stats/summary", "application/json", String.class);
      fetched = r.code() == 200 ? new NodeStats(Summary.claims(r.body()), null, now)
          : new NodeStats(Map.of(), "the API server answered HTTP " + r.code() + " for the kubelet's stats summary", now);
    } catch (IOException | IllegalArgumentException e) {
      fetched = new NodeStats(Map.of(), oneLine(e), now);
    }
    bound(stats).put(node, fetched);
    return fetched;
  }

  /** The newest {@code max} events of object {@code name} in {@code ns}, messages redacted. */
  List<Model.Event> events(String ns, String kind, String name, int max) throws IOException {
    HttpResponse<String> r = get("api/v1/namespaces/" + enc(ns) + "/events?fieldSelector=" + enc("involvedObject.name=" + name), "application/json",
        String.class);
    if (r.code() != 200) {
      throw new IOException("no events: the API server answered HTTP " + r.code());
    }
    List<Event> items;
    try {
      items = client.getKubernetesSerialization().unmarshal(r.body(), EventList.class).getItems();
    } catch (RuntimeException e) {
      throw new IOException("no events: the API server's answer is not an event list (" + oneLine(e) + ")", e);
    }
    return items.stream()
        .filter(e -> e.getInvolvedObject() != null && name.equals(e.getInvolvedObject().getName()) && kind.equals(e.getInvolvedObject().getKind()))
        .sorted(Comparator.comparing(Lookups::when).reversed())
        .limit(max)
        .map(e -> new Model.Event(e.getType(), e.getReason(), Redact.line(String.valueOf(e.getMessage())), e.getCount() == null ? 1 : e.getCount(),
            when(e)))
        .toList();
  }

  private static String when(Event e) {
    String t = e.getLastTimestamp() != null ? e.getLastTimestamp() : e.getEventTime() != null ? e.getEventTime().getTime() : null;
    return t == null ? "" : t;
  }

  private <T> HttpResponse<T> get(String path, String accept, Class<T> type) throws IOException {
    io.fabric8.kubernetes.client.http.HttpClient h = client.getHttpClient();
    String base = client.getMasterUrl().toString();
    HttpRequest req = h.newHttpRequestBuilder().uri(base + (base.endsWith("/") ? "" : "/") + path).header("Accept", accept)
        .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS).build();
    try {
      return h.sendAsync(req, type).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("the Kubernetes API server did not answer: " + oneLine(e.getCause() == null ? e : e.getCause()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static <V> Map<String, V> bound(Map<String, V> m) {
    if (m.size() >= MAX_CACHED) {
      m.clear();
    }
    return m;
  }

  static String oneLine(Throwable t) {
    String m = String.valueOf(t.getMessage());
    return m.lines().findFirst().orElse(t.getClass().getSimpleName());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  void close() {
    http.close();
  }
}
