package io.nectarfs.csi.dashboard;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The overview's filters from query parameters: {@code ns}, {@code node}, {@code state} (ok,
 * pending, failing, unknown) and {@code q} (text in any name of a row). Absent or empty: no filter.
 *
 * @throws IllegalArgumentException from {@link #parse} with a one-line reason, answered as HTTP 400
 */
record Filter(String namespace, String node, Model.State state, String text) {
  static final Filter NONE = new Filter(null, null, null, null);
  private static final Set<String> KNOWN = Set.of("ns", "node", "state", "q");
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9.\\-]{0,251}[a-z0-9])?");

  static Filter parse(Map<String, List<String>> params) {
    for (String k : params.keySet()) {
      if (!KNOWN.contains(k)) {
        throw new IllegalArgumentException("unknown query parameter '" + k + "' (known: ns, node, state, q)");
      }
    }
    String ns = one(params, "ns");
    String node = one(params, "node");
    for (String v : new String[] {ns, node}) {
      if (v != null && !NAME.matcher(v).matches()) {
        throw new IllegalArgumentException("'" + v + "' is not a Kubernetes name (lower-case letters, digits, '-' and '.')");
      }
    }
    String s = one(params, "state");
    Model.State state = null;
    if (s != null) {
      state = Model.State.of(s).orElseThrow(() -> new IllegalArgumentException("state must be ok, pending, failing or unknown, got '" + s + "'"));
    }
    String q = one(params, "q");
    if (q != null && q.length() > 200) {
      throw new IllegalArgumentException("q is longer than 200 characters");
    }
    return new Filter(ns, node, state, q == null ? null : q.toLowerCase(Locale.ROOT));
  }

  private static String one(Map<String, List<String>> params, String key) {
    List<String> v = params.get(key);
    if (v == null || v.isEmpty()) {
      return null;
    }
    if (v.size() > 1) {
      throw new IllegalArgumentException("query parameter '" + key + "' given " + v.size() + " times");
    }
    return v.getFirst().isEmpty() ? null : v.getFirst();
  }

  boolean isEmpty() {
    return namespace == null && node == null && state == null && text == null;
  }

  /** The rows of {@code o} that pass; nodes and volumes are kept whole unless the filter names them. */
  Model.Overview apply(Model.Overview o) {
    if (isEmpty()) {
      return o;
    }
    List<Model.AppPod> pods = o.pods().stream().filter(p -> ns(p.namespace()) && node(p.node()) && state(p.state())
        && text(p.id(), p.node(), String.join(" ", p.claims()), String.join(" ", p.volumes()), String.join(" ", p.mountPods()))).toList();
    List<Model.Claim> claims = o.claims().stream().filter(c -> ns(c.namespace()) && state(c.state())
        && text(c.id(), c.volume(), c.storageClass(), String.join(" ", c.pods()))).toList();
    List<Model.MountPod> mounts = o.mountPods().stream().filter(m -> node(m.node()) && state(m.state())
        && (namespace == null || m.namespace().equals(namespace) || m.pods().stream().anyMatch(p -> p.startsWith(namespace + "/")))
        && text(m.id(), m.node(), m.volume(), String.join(" ", m.pods()), String.join(" ", m.volumes()))).toList();
    List<Model.Volume> volumes = o.volumes().stream().filter(v -> (namespace == null || (v.claim() != null && v.claim().startsWith(namespace + "/")))
        && text(v.name(), v.claim(), v.nectarVolume())).toList();
    List<Model.Node> nodes = o.nodes().stream().filter(n -> node(n.name())).toList();
    return new Model.Overview(o.freshness(), pods, claims, volumes, mounts, nodes);
  }

  private boolean ns(String v) {
    return namespace == null || namespace.equals(v);
  }

  private boolean node(String v) {
    return node == null || node.equals(v);
  }

  private boolean state(Model.State s) {
    return state == null || state == s;
  }

  private boolean text(String... fields) {
    if (text == null) {
      return true;
    }
    for (String f : fields) {
      if (f != null && f.toLowerCase(Locale.ROOT).contains(text)) {
        return true;
      }
    }
    return false;
  }
}
