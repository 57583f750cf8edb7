package io.nectarfs.csi.dashboard;

import java.util.List;
import java.util.function.Function;

/**
 * The HTML pages, server-rendered: the overview (stale banner, filters, tips, pods, claims with
 * their quota use, volumes, mount pods, nodes) and a pod's detail. Every value is escaped ({@link Html}); no
 * script at all (filters are query parameters), so the pages are served with a CSP that allows none.
 */
final class Pages {
  private static final String STYLE = """
      body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}
      table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
      th{background:#f4f4f4}.state-ok{color:#176117}.state-pending{color:#8a6100}.state-failing{color:#b00020;font-weight:600}.state-unknown{color:#666}
      .banner{background:#fff3cd;border:1px solid #e0b100;padding:.6em 1em;margin-bottom:1em}.tip-critical td:first-child{color:#b00020;font-weight:600}
      .tip-warning td:first-child,td.tip-warning{color:#8a6100}td.tip-critical{color:#b00020;font-weight:600}
      form.filters input,form.filters select{margin-right:.6em}pre{background:#f6f6f6;padding:.6em;overflow:auto}
      .muted{color:#666}""";

  private Pages() {}

  static String overview(Model.Overview o, Model.Tips tips, Filter f, boolean actions) {
    Html h = head("NectarFS mounts");
    banner(h, o.freshness());
    h.raw("<h1>NectarFS mounts</h1><p class=\"muted\" id=\"summary\">").text(o.pods().size() + " pods, " + o.claims().size() + " claims, "
        + o.volumes().size() + " volumes, " + o.mountPods().size() + " mount pods, " + o.nodes().size() + " nodes"
        + (actions ? "; actions enabled" : "; read-only")).raw("</p>");
    filters(h, f);
    h.raw("<h2>Tips</h2><table id=\"tips\"><tr><th>severity</th><th>object</th><th>what is wrong</th><th>what to do</th></tr>");
    for (Model.Tip t : tips.tips()) {
      h.raw("<tr class=\"tip tip-" + t.severity().word() + "\">").el("td", "", t.severity().word()).el("td", "", t.object())
          .el("td", "", t.message()).el("td", "", t.action()).raw("</tr>");
    }
    if (tips.tips().isEmpty()) {
      h.raw("<tr><td colspan=\"4\" class=\"muted\">nothing to report</td></tr>");
    }
    h.raw("</table><ul id=\"notes\" class=\"muted\">");
    tips.notes().forEach(n -> h.el("li", "", n));
    h.raw("</ul>");
    h.raw("<h2>Application pods</h2><table id=\"pods\"><tr><th>pod</th><th>node</th><th>state</th><th>claims</th><th>volumes</th><th>mount pods</th></tr>");
    for (Model.AppPod p : o.pods()) {
      h.raw("<tr class=\"pod-row state-" + p.state().word() + "\" data-pod=\"").text(p.id()).raw("\"><td>").link(podHref(p.id()), p.id())
          .raw(p.sidecar() ? " <span class=\"muted\">(sidecar)</span>" : "").raw("</td>")
          .el("td", "", p.node()).el("td", "class=\"state\"", p.phase() + " (" + p.state().word() + ")").el("td", "", String.join(", ", p.claims()))
          .el("td", "", String.join(", ", p.volumes())).raw("<td>");
      links(h, p.mountPods(), Pages::podHref);
      h.raw("</td></tr>");
    }
    h.raw("</table>");
    h.raw("<h2>Claims</h2><table id=\"claims\"><tr><th>claim</th><th>state</th><th>class</th><th>volume</th><th>size</th><th>used</th><th>pods</th></tr>");
    for (Model.Claim c : o.claims()) {
      String full = c.usage() == null ? "" : Quotas.severity(c.usage()).map(v -> " tip-" + v.word()).orElse("");
      h.raw("<tr class=\"claim-row state-" + c.state().word() + "\" data-claim=\"").text(c.id()).raw("\">").el("td", "", c.id())
          .el("td", "", c.phase()).el("td", "", c.storageClass()).el("td", "", c.volume()).el("td", "", c.capacity())
          .el("td", "class=\"used" + full + "\"", c.usage() == null ? "" : c.usage().text()).raw("<td>");
      links(h, c.pods(), Pages::podHref);
      h.raw("</td></tr>");
    }
    h.raw("</table>");
    h.raw("<h2>Volumes</h2><table id=\"volumes\"><tr><th>PersistentVolume</th><th>phase</th><th>claim</th><th>NectarFS volume</th><th>directory</th>"
        + "<th>size</th><th>node-publish Secret</th></tr>");
    for (Model.Volume v : o.volumes()) {
      h.raw("<tr class=\"volume-row\">").el("td", "", v.name()).el("td", "", v.phase()).el("td", "", v.claim()).el("td", "", v.nectarVolume())
          .el("td", "", v.subdir()).el("td", "", v.capacity()).el("td", "", v.secret()).raw("</tr>");
    }
    h.raw("</table>");
    h.raw("<h2>Mount pods</h2><table id=\"mountpods\"><tr><th>mount pod</th><th>node</th><th>volume</th><th>state</th><th>restarts</th>"
        + "<th>serves</th><th>problem</th></tr>");
    for (Model.MountPod m : o.mountPods()) {
      h.raw("<tr class=\"mountpod-row state-" + m.state().word() + "\" data-pod=\"").text(m.id()).raw("\"><td>").link(podHref(m.id()), m.id())
          .raw("</td>").el("td", "", m.node()).el("td", "", m.volume()).el("td", "class=\"state\"", m.phase() + " (" + m.state().word() + ")")
          .el("td", "", m.restarts()).raw("<td>");
      links(h, m.pods(), Pages::podHref);
      h.raw("</td>").el("td", "", m.failure() == null ? "" : Redact.line(m.failure())).raw("</tr>");
    }
    h.raw("</table>");
    h.raw("<h2>Nodes</h2><table id=\"nodes\"><tr><th>node</th><th>ready</th><th>node plugin</th><th>pods with NectarFS volumes</th><th>mount pods</th></tr>");
    for (Model.Node n : o.nodes()) {
      h.raw("<tr class=\"node-row\" data-node=\"").text(n.name()).raw("\">").el("td", "", n.name()).el("td", "", n.ready() ? "yes" : "no")
          .el("td", n.nodePlugin() ? "" : "class=\"state-failing\"", n.nodePlugin() ? "yes" : "missing").el("td", "", n.appPods())
          .el("td", "", n.mountPods()).raw("</tr>");
    }
    h.raw("</table>");
    return tail(h);
  }

  static String detail(Details.Detail d, Model.Freshness freshness, boolean actions) {
    String id = d.appPod() != null ? d.appPod().id() : d.mountPod().id();
    Html h = head(id);
    banner(h, freshness);
    h.raw("<p><a href=\"/\">&larr; all mounts</a></p><h1 id=\"pod\">").text((d.appPod() != null ? "Pod " : "Mount pod ") + id).raw("</h1><table id=\"relations\">");
    if (d.appPod() != null) {
      Model.AppPod p = d.appPod();
      row(h, "node", p.node());
      row(h, "state", p.phase() + " (" + p.state().word() + ")" + (p.sidecar() ? ", mounts by injected sidecars" : ""));
      row(h, "claims", String.join(", ", p.claims()));
      row(h, "volumes", String.join(", ", p.volumes()));
      h.raw("<tr><th>mount pods</th><td>");
      links(h, p.mountPods(), Pages::podHref);
      h.raw("</td></tr></table>");
    } else {
      Model.MountPod m = d.mountPod();
      row(h, "node", m.node());
      row(h, "volume", m.volume());
      row(h, "state", m.phase() + " (" + m.state().word() + "), " + m.restarts() + " restarts");
      row(h, "problem", m.failure() == null ? "" : Redact.line(m.failure()));
      row(h, "PersistentVolumes", String.join(", ", m.volumes()));
      h.raw("<tr><th>serves</th><td>");
      links(h, m.pods(), Pages::podHref);
      h.raw("</td></tr></table>");
      metrics(h, d.metrics());
      h.raw("<h2>Mount command</h2><pre id=\"mount-command\">").text(String.join(" ", d.mountCommand())).raw("</pre><table id=\"env\">");
      d.env().forEach(e -> row(h, e.name(), e.source()));
      String base = "/api/mountpods/" + Html.url(m.namespace()) + "/" + Html.url(m.name());
      h.raw("</table><h2>Logs</h2><p>").link(base + "/logs?tail=1000", "download the last 1000 lines (redacted)").raw("</p>");
      h.raw("<h2>Warm-up</h2>");
      if (actions) {
        h.raw("<form id=\"warmup\" method=\"post\" action=\"").text(base + "/warmup").raw("\">path in the volume <input name=\"path\" value=\"/\"> "
            + "token <input name=\"token\" type=\"password\" autocomplete=\"off\"> <button>nectar warmup</button></form>");
      } else {
        h.raw("<p class=\"muted\">read-only: start the dashboard with --actions-token-file to allow warm-up</p>");
      }
      h.raw("<h2>Upgrade</h2>");
      if (actions) {
        h.raw("<form id=\"upgrade\" method=\"post\" action=\"").text(base + "/upgrade").raw("\">image <input name=\"image\" value=\"")
            .text(d.image() == null ? "" : d.image()).raw("\"> token <input name=\"token\" type=\"password\" autocomplete=\"off\"> "
            + "<button>replace the container, keep the mount</button></form>");
      } else {
        h.raw("<p class=\"muted\">read-only: start the dashboard with --actions-token-file to allow upgrades</p>");
      }
    }
    h.raw("<h2>Events</h2>");
    if (d.eventsError() != null) {
      h.el("p", "class=\"muted\"", d.eventsError());
    }
    h.raw("<table id=\"events\"><tr><th>type</th><th>reason</th><th>message</th><th>count</th><th>last</th></tr>");
    for (Model.Event e : d.events()) {
      h.raw("<tr>").el("td", "", e.type()).el("td", "", e.reason()).el("td", "", e.message()).el("td", "", e.count()).el("td", "", e.last()).raw("</tr>");
    }
    h.raw("</table>");
    return tail(h);
  }

  private static void metrics(Html h, Model.Metrics m) {
    h.raw("<h2>Metrics</h2>");
    if (m == null) {
      h.raw("<p class=\"muted\" id=\"metrics\">not available (the mount serves no /metrics on its pod IP, or it did not answer)</p>");
      return;
    }
    h.raw("<table id=\"metrics\">");
    row(h, "read", m.readBytes() == null ? null : bytes(m.readBytes()));
    row(h, "written", m.writeBytes() == null ? null : bytes(m.writeBytes()));
    row(h, "cache hit ratio", m.cacheHitRatio() == null ? null : String.format("%.1f%%", m.cacheHitRatio() * 100));
    row(h, "cache group peer failures", m.peerErrors() == null ? null : m.peerErrors().longValue());
    h.raw("</table>");
  }

  static String bytes(double b) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (b >= 1024 && u < units.length - 1) {
      b /= 1024;
      u++;
    }
    return String.format("%.1f %s", b, units[u]);
  }

  private static void banner(Html h, Model.Freshness f) {
    if (f.stale()) {
      h.raw("<div id=\"stale-banner\" class=\"banner\" role=\"alert\"><strong>Stale data.</strong> ")
          .text("The Kubernetes API is not being watched (" + String.join(", ", f.notWatching()) + "); showing the data as of "
              + (f.lastSync() == null ? "never: not synced yet" : f.lastSync()) + ". It refreshes by itself when the API answers again.")
          .raw("</div>");
    }
  }

  private static void filters(Html h, Filter f) {
    h.raw("<form class=\"filters\" id=\"filters\" method=\"get\" action=\"/\">namespace <input name=\"ns\" value=\"")
        .text(f.namespace() == null ? "" : f.namespace()).raw("\"> node <input name=\"node\" value=\"").text(f.node() == null ? "" : f.node())
        .raw("\"> state <select name=\"state\"><option value=\"\">any</option>");
    for (Model.State s : Model.State.values()) {
      h.raw("<option" + (s == f.state() ? " selected" : "") + ">" + s.word() + "</option>");
    }
    h.raw("</select> search <input name=\"q\" type=\"search\" value=\"").text(f.text() == null ? "" : f.text()).raw("\"> <button>filter</button></form>");
  }

  private static void row(Html h, String k, Object v) {
    h.raw("<tr>").el("th", "", k).el("td", "", v).raw("</tr>");
  }

  private static void links(Html h, List<String> ids, Function<String, String> href) {
    for (int i = 0; i < ids.size(); i++) {
      h.raw(i > 0 ? ", " : "").link(href.apply(ids.get(i)), ids.get(i));
    }
  }

  static String podHref(String id) {
    int slash = id.indexOf('/');
    return "/pods/" + Html.url(id.substring(0, slash)) + "/" + Html.url(id.substring(slash + 1));
  }

  private static Html head(String title) {
    return new Html().raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").text(title)
        .raw("</title><meta name=\"viewport\" content=\"width=device-width\"><style>" + STYLE + "</style></head><body>");
  }

  private static String tail(Html h) {
    return h.raw("</body></html>\n").toString();
  }
}
