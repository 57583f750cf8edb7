package io.nectarfs.csi.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's JSON API and pages against the fabric8 mock API server holding the {@link
 * FakeCluster}: the relations, the tips (quota use from the {@link FakeKubelet}s), filters, details (events, metrics, mount command), logs,
 * the warm-up action and its token, bad input, and no secret in anything it answers.
 */
class DashboardApiTest extends StackTest {
  static JsonNode find(JsonNode array, String field, String value) {
    for (JsonNode n : array) {
      if (value.equals(n.path(field).asText()) || value.equals(n.path("namespace").asText() + "/" + n.path("name").asText()) && field.equals("id")) {
        return n;
      }
    }
    throw new AssertionError("no " + field + "=" + value + " in " + array);
  }

  static List<String> texts(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  @Test
  void overview_joinsPodsClaimsVolumesMountPodsAndNodes() throws Exception {
    JsonNode o = stack.json("/api/overview");
    assertThat(o.path("pods")).hasSize(FakeCluster.APPS); // the web-K pods use no NectarFS claim
    assertThat(o.path("pods").findValuesAsText("name")).noneMatch(n -> n.startsWith("web-"));
    JsonNode app0 = find(o.path("pods"), "id", "team-a/app-0");
    assertThat(app0.path("node").asText()).isEqualTo("node-1");
    assertThat(texts(app0.path("claims"))).containsExactly("team-a/data-0");
    assertThat(texts(app0.path("volumes"))).containsExactly("pv-team-a-data-0");
    assertThat(texts(app0.path("mountPods"))).containsExactly("nectarfs/" + FakeCluster.PEER_FAILING);
    assertThat(app0.path("state").asText()).isEqualTo("OK");
    JsonNode app1 = find(o.path("pods"), "id", "team-b/app-1");
    assertThat(texts(app1.path("mountPods"))).containsExactly("nectarfs/" + FakeCluster.CRASHING);
    assertThat(app1.path("state").asText()).isEqualTo("PENDING");
    JsonNode app5 = find(o.path("pods"), "id", "team-c/app-5"); // node-6: no node plugin, no mount pod
    assertThat(app5.path("node").asText()).isEqualTo("node-6");
    assertThat(app5.path("mountPods")).isEmpty();

    JsonNode crash = find(o.path("mountPods"), "id", "nectarfs/" + FakeCluster.CRASHING);
    assertThat(texts(crash.path("pods"))).containsExactlyInAnyOrder("team-b/app-1", "team-b/app-13", "team-b/app-25");
    assertThat(texts(crash.path("volumes"))).containsExactly("pv-team-b-data-1");
    assertThat(crash.path("state").asText()).isEqualTo("FAILING");
    assertThat(crash.path("restarts").asInt()).isEqualTo(7);
    assertThat(crash.path("node").asText()).isEqualTo("node-2");

    assertThat(o.path("claims")).hasSize(10); // 4 + 4 + 2; team-a/ebs-claim is another driver's
    JsonNode pending = find(o.path("claims"), "id", "team-c/pending-gold");
    assertThat(pending.path("state").asText()).isEqualTo("PENDING");
    assertThat(pending.path("storageClass").asText()).isEqualTo("nectarfs-gold");
    assertThat(texts(find(o.path("claims"), "id", "team-a/data-0").path("pods"))).containsExactly("team-a/app-0", "team-a/app-12", "team-a/app-24");
    assertThat(o.path("volumes")).hasSize(9);
    JsonNode pv = find(o.path("volumes"), "name", "pv-team-a-data-0");
    assertThat(pv.path("claim").asText()).isEqualTo("team-a/data-0");
    assertThat(pv.path("nectarVolume").asText()).isEqualTo("shop");
    assertThat(pv.path("secret").asText()).isEqualTo("team-a/nectar-volume-secret");

    assertThat(o.path("nodes")).hasSize(6);
    JsonNode node6 = find(o.path("nodes"), "name", "node-6");
    assertThat(node6.path("nodePlugin").asBoolean()).isFalse();
    assertThat(node6.path("appPods").asInt()).isEqualTo(5);
    assertThat(node6.path("mountPods").asInt()).isZero();
    assertThat(find(o.path("nodes"), "name", "node-1").path("nodePlugin").asBoolean()).isTrue();
  }

  @Test
  void tips_diagnoseTheMissingSecretTheCrashTheNodeAndTheCacheGroup() throws Exception {
    JsonNode t = stack.json("/api/tips");
    JsonNode tips = t.path("tips");
    List<String> objects = new ArrayList<>();
    tips.forEach(x -> objects.add(x.path("severity").asText() + " " + x.path("object").asText()));
    assertThat(objects).containsExactlyInAnyOrder(
        "CRITICAL PersistentVolumeClaim team-c/pending-gold",
        "CRITICAL mount pod nectarfs/" + FakeCluster.CRASHING,
        "CRITICAL node node-6",
        "WARNING mount pod nectarfs/" + FakeCluster.PEER_FAILING,
        "WARNING PersistentVolumeClaim " + FakeKubelet.FULL);
    JsonNode secret = find(tips, "object", "PersistentVolumeClaim team-c/pending-gold");
    assertThat(secret.path("message").asText()).contains("Secret team-c/gold-secret", "does not exist", "nectarfs-gold");
    assertThat(secret.path("action").asText()).contains("create Secret gold-secret in namespace team-c");
    JsonNode crash = find(tips, "object", "mount pod nectarfs/" + FakeCluster.CRASHING);
    assertThat(crash.path("message").asText())
        .contains("CrashLoopBackOff, 7 restarts", "team-b/app-1", "its log says:", "ERROR cannot open volume shop: storage check failed: access denied with secret-key=****");
    JsonNode node = find(tips, "object", "node node-6");
    assertThat(node.path("message").asText()).contains("runs 5 pod(s) with NectarFS volumes but no ready node plugin pod");
    JsonNode peers = find(tips, "object", "mount pod nectarfs/" + FakeCluster.PEER_FAILING);
    assertThat(peers.path("message").asText()).contains("failed 12 time(s)", "3 member(s)");
    for (JsonNode x : tips) {
      assertThat(x.path("action").asText()).as(x.toString()).isNotBlank();
    }
    assertThat(texts(t.path("notes"))).noneMatch(n -> n.startsWith("quota: not checked"));
  }

  @Test
  void quota_aClaimAt95PercentIsAWarningWithTheNumbers_oneAt50PercentIsNot() throws Exception {
    JsonNode tips = stack.json("/api/tips").path("tips");
    JsonNode full = find(tips, "object", "PersistentVolumeClaim " + FakeKubelet.FULL);
    assertThat(full.path("severity").asText()).isEqualTo("WARNING");
    assertThat(full.path("message").asText()).isEqualTo("quota 95% used: 95.0 GiB of 100.0 GiB");
    assertThat(full.path("action").asText()).contains("delete data",
        "kubectl -n team-a patch pvc data-0 -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"150Gi\"}}}}'");
    assertThat(tips.findValuesAsText("object")).doesNotContain("PersistentVolumeClaim " + FakeKubelet.HALF)
        .noneMatch(o -> o.startsWith("PersistentVolumeClaim") && !o.endsWith(FakeKubelet.FULL) && !o.endsWith("pending-gold"));

    JsonNode claims = stack.json("/api/overview").path("claims");
    JsonNode used = find(claims, "id", FakeKubelet.FULL).path("usage");
    assertThat(used.path("usedBytes").asLong()).isEqualTo(FakeKubelet.CAPACITY / 100 * 95);
    assertThat(used.path("capacityBytes").asLong()).isEqualTo(FakeKubelet.CAPACITY);
    assertThat(used.path("availableBytes").asLong()).isEqualTo(FakeKubelet.CAPACITY / 100 * 5);
    assertThat(used.path("inodes").asLong()).isEqualTo(FakeKubelet.INODES);
    assertThat(find(claims, "id", FakeKubelet.HALF).path("usage").path("usedBytes").asLong()).isEqualTo(FakeKubelet.CAPACITY / 2);
    assertThat(find(claims, "id", "team-c/pending-gold").path("usage").isNull()).isTrue(); // not mounted anywhere
  }

  @Test
  void quota_aNodeWhoseStatsFail_isOneNoteAndTheRestStillShows() throws Exception {
    JsonNode t = stack.json("/api/tips");
    List<String> quota = texts(t.path("notes")).stream().filter(n -> n.startsWith("quota:")).toList();
    assertThat(quota).singleElement().asString().contains("node(s) " + FakeKubelet.FAILING_NODE, "HTTP 500", "nodes/proxy").doesNotContain("\n");
    JsonNode claims = stack.json("/api/overview").path("claims");
    assertThat(find(claims, "id", "team-c/data-0").path("usage").isNull()).as("team-c's pods run on node-3 and node-6 only").isTrue();
    assertThat(find(claims, "id", "team-b/data-0").path("usage").path("usedBytes").asLong()).isEqualTo(FakeKubelet.CAPACITY / 10);
  }

  @Test
  void page_showsEachClaimsUse() throws Exception {
    String page = stack.get("/").body();
    assertThat(page).contains("<th>used</th>", "<td class=\"used tip-warning\">95.0 GiB of 100.0 GiB (95%)</td>",
        "<td class=\"used\">50.0 GiB of 100.0 GiB (50%)</td>", "<td class=\"used\">10.0 GiB of 100.0 GiB (10%)</td>");
  }

  @Test
  void filters_byNamespaceNodeStateAndText() throws Exception {
    JsonNode o = stack.json("/api/overview?ns=team-b&state=pending");
    assertThat(o.path("pods").findValuesAsText("name")).containsExactlyInAnyOrder("app-1", "app-13", "app-25");
    assertThat(stack.json("/api/overview?node=node-6").path("pods").findValuesAsText("namespace")).hasSize(5).containsOnly("team-c");
    assertThat(stack.json("/api/overview?q=pv-team-a-data-3").path("pods").findValuesAsText("name")).containsExactlyInAnyOrder("app-3", "app-15", "app-27");
    assertThat(stack.json("/api/overview?state=failing").path("mountPods").findValuesAsText("name")).containsExactly(FakeCluster.CRASHING);
    String page = stack.get("/?ns=team-c").body();
    assertThat(page.split("class=\"pod-row ", -1)).hasSize(10 + 1); // team-c: app-2, 5, ..., 29
    assertThat(page).contains("data-pod=\"team-c/app-2\"").doesNotContain("data-pod=\"team-a/app-0\"");
  }

  @Test
  void detail_ofAMountPod_hasEventsMetricsAndTheRedactedMountCommand() throws Exception {
    JsonNode d = stack.json("/api/pods/nectarfs/" + FakeCluster.CRASHING);
    assertThat(d.path("kind").asText()).isEqualTo("mount");
    assertThat(d.path("events").findValuesAsText("reason")).containsExactly("BackOff");
    assertThat(texts(d.path("mountCommand"))).contains("redis://:****@redis.example:6379/1", "--storage-secret-key=****",
        "--meta-backup=redis://:****@redis.example:6379/1");
    assertThat(d.path("mountPoint").asText()).startsWith("/var/lib/nectarfs/mounts/nectar-shop-");
    assertThat(find(d.path("env"), "name", "NECTAR_S3_SECRET_KEY").path("source").asText()).isEqualTo("literal value (not shown)");
    assertThat(find(d.path("env"), "name", "NECTAR_MOUNT_META_URL").path("source").asText()).isEqualTo("Secret " + FakeCluster.CRASHING + "-secret key META_URL");

    JsonNode healthy = stack.json("/api/pods/nectarfs/" + FakeCluster.PEER_FAILING);
    assertThat(healthy.path("metrics").path("readBytes").asDouble()).isEqualTo(1.073741824E10);
    assertThat(healthy.path("metrics").path("cacheHitRatio").asDouble()).isEqualTo(0.9);
    assertThat(healthy.path("metrics").path("peerErrors").asDouble()).isEqualTo(12.0);
    String page = stack.get("/pods/nectarfs/" + FakeCluster.PEER_FAILING).body();
    assertThat(page).contains("id=\"metrics\"", "10.0 GiB", "90.0%", "id=\"mount-command\"", "id=\"warmup\"");
  }

  @Test
  void detail_ofAnAppPod_hasItsEventsEscapedAndRedacted() throws Exception {
    JsonNode d = stack.json("/api/pods/team-b/app-1");
    assertThat(d.path("kind").asText()).isEqualTo("app");
    assertThat(d.path("events").findValuesAsText("message")).singleElement().asString()
        .contains("mount of redis://:****@redis.example:6379/1 did not come up");
    String page = stack.get("/pods/team-b/app-1").body();
    assertThat(page).contains("&lt;b&gt;in time&lt;/b&gt;").doesNotContain("<b>in time");
    assertThat(page).contains("href=\"/pods/nectarfs/" + FakeCluster.CRASHING + "\"");
  }

  @Test
  void logs_areDownloadedRedacted() throws Exception {
    HttpResponse<String> r = stack.get("/api/mountpods/nectarfs/" + FakeCluster.CRASHING + "/logs?tail=1000");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"" + FakeCluster.CRASHING + ".log\"");
    assertThat(r.body()).contains("nectar mount starting: redis://:****@redis.example:6379/1", "storage check failed").hasLineCount(3);
    HttpResponse<String> healthy = stack.get("/api/mountpods/nectarfs/" + FakeCluster.PEER_FAILING + "/logs?tail=1000");
    assertThat(healthy.body()).contains("mounted volume shop (storage s3://bucket/shop?secret-key=****").hasLineCount(2); // Uris hides to the next &
  }

  @Test
  void warmup_needsTheToken_thenExecsInTheMountPod() throws Exception {
    String path = "/api/mountpods/nectarfs/" + FakeCluster.PEER_FAILING + "/warmup";
    String form = "application/x-www-form-urlencoded";
    assertThat(stack.post(path, form, "path=/datasets/a", null).statusCode()).isEqualTo(403);
    assertThat(stack.post(path, form, "path=/datasets/a", "wrong-token").statusCode()).isEqualTo(403);
    assertThat(stack.post(path, form, "path=/datasets/a&token=wrong-token", null).statusCode()).isEqualTo(403);
    assertThat(stack.get(path + "?path=/datasets/a").statusCode()).isEqualTo(405);
    assertThat(stack.execs).isEmpty();

    HttpResponse<String> bad = stack.post(path, form, "path=/datasets/../../etc", Stack.TOKEN);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(stack.execs).isEmpty();

    HttpResponse<String> ok = stack.post(path, form, "path=/datasets/a", Stack.TOKEN);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
    HttpResponse<String> byForm = stack.post(path, form, "path=/datasets/b&token=" + Stack.TOKEN, null);
    assertThat(byForm.statusCode()).as(byForm.body()).isEqualTo(202);
    String mountPoint = stack.json("/api/pods/nectarfs/" + FakeCluster.PEER_FAILING).path("mountPoint").asText();
    assertThat(stack.execs).containsExactly(
        List.of("nectarfs", FakeCluster.PEER_FAILING, "mount", "/bin/sh", "-c", "nohup nectar warmup \"$0\" >/proc/1/fd/1 2>&1 &", mountPoint + "/datasets/a"),
        List.of("nectarfs", FakeCluster.PEER_FAILING, "mount", "/bin/sh", "-c", "nohup nectar warmup \"$0\" >/proc/1/fd/1 2>&1 &", mountPoint + "/datasets/b"));
    assertThat(stack.post("/api/mountpods/team-a/app-0/warmup", form, "path=/", Stack.TOKEN).statusCode()).isEqualTo(404);
  }

  @Test
  void upgrade_needsTheTokenAndAnImage_thenAnnotatesTheMountPod() throws Exception {
    String path = "/api/mountpods/nectarfs/" + FakeCluster.PEER_FAILING + "/upgrade";
    String form = "application/x-www-form-urlencoded";
    assertThat(stack.post(path, form, "image=registry.example/nectar:2.0", null).statusCode()).isEqualTo(403);
    assertThat(stack.post(path, form, "image=registry.example/nectar:2.0", "wrong-token").statusCode()).isEqualTo(403);
    assertThat(stack.get(path + "?image=x").statusCode()).isEqualTo(405);
    assertOneLine(stack.post(path, form, "image=nectar:2.0%3Brm+-rf", Stack.TOKEN), 400);
    assertOneLine(stack.post(path, form, "", Stack.TOKEN), 400);
    assertThat(stack.annotations).isEmpty();

    HttpResponse<String> ok = stack.post(path, form, "image=registry.example/nectar:2.0", Stack.TOKEN);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
    assertThat(ok.body()).contains("without unmounting");
    assertThat(stack.annotations).containsExactly(List.of("nectarfs", FakeCluster.PEER_FAILING, "nectarfs.io/upgrade-image", "registry.example/nectar:2.0"));
    assertThat(stack.post("/api/mountpods/team-a/app-0/upgrade", form, "image=registry.example/nectar:2.0", Stack.TOKEN).statusCode()).isEqualTo(404);
    assertThat(stack.get("/pods/nectarfs/" + FakeCluster.PEER_FAILING).body()).contains("id=\"upgrade\"");
  }

  @Test
  void badInput_isOneLineWithTheRightStatus() throws Exception {
    assertOneLine(stack.get("/nope"), 404);
    assertOneLine(stack.get("/api/pods/team-a/no-such-pod"), 404);
    assertOneLine(stack.get("/api/pods/team-a"), 404);
    assertOneLine(stack.get("/api/overview?state=bogus"), 400);
    assertOneLine(stack.get("/api/overview?colour=red"), 400);
    assertOneLine(stack.get("/api/overview?ns=Team_A"), 400);
    Stack.RawResponse malformed = stack.rawGet("/api/overview?q=%zz");
    assertThat(malformed.code()).as(malformed.body()).isEqualTo(400);
    assertThat(malformed.body()).endsWith("\n").hasLineCount(1);
    assertOneLine(stack.get("/api/overview?ns=a&ns=b"), 400);
    assertOneLine(stack.get("/api/tips?x=1"), 400);
    assertOneLine(stack.get("/api/pods/Team_A/app-0"), 400);
    assertOneLine(stack.get("/api/mountpods/nectarfs/" + FakeCluster.CRASHING + "/logs?tail=abc"), 400);
    assertOneLine(stack.get("/api/mountpods/nectarfs/" + FakeCluster.CRASHING + "/logs?tail=0"), 400);
    assertOneLine(stack.get("/api/mountpods/nectarfs/" + FakeCluster.CRASHING + "/logs?previous=maybe"), 400);
    assertOneLine(stack.get("/api/mountpods/team-a/app-0/logs"), 404);
    assertOneLine(stack.post("/api/overview", "text/plain", "", null), 405);
    assertOneLine(stack.post("/", "application/x-www-form-urlencoded", "ns=x", Stack.TOKEN), 405);
  }

  static void assertOneLine(HttpResponse<String> r, int status) {
    assertThat(r.statusCode()).as(r.uri() + ": " + r.body()).isEqualTo(status);
    assertThat(r.body()).as(r.uri().toString()).endsWith("\n").hasLineCount(1).doesNotStartWith("<");
  }

  @Test
  void noSecret_inAnyPageOrApiResponse() throws Exception {
    JsonNode o = stack.json("/api/overview");
    stack.get("/");
    stack.json("/api/tips");
    for (JsonNode p : o.path("pods")) {
      stack.get(Pages.podHref(p.path("namespace").asText() + "/" + p.path("name").asText()));
      stack.json("/api/pods/" + p.path("namespace").asText() + "/" + p.path("name").asText());
    }
    for (JsonNode m : o.path("mountPods")) {
      String id = m.path("namespace").asText() + "/" + m.path("name").asText();
      stack.get(Pages.podHref(id));
      stack.json("/api/pods/" + id);
      stack.get("/api/mountpods/" + id + "/logs?tail=1000");
    }
    assertThat(stack.seen).hasSizeGreaterThan(2 * FakeCluster.APPS);
    assertThat(String.join("\n", stack.seen)).contains("storage check failed") // the log was read
        .doesNotContain(FakeCluster.PASSWORD).doesNotContain(FakeCluster.STORAGE_KEY).doesNotContain(Stack.TOKEN);
  }
}
