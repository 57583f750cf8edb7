package io.nectarfs.csi.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page rendered by headless Chromium, healthy and while the API server is unreachable: the
 * rows of the pods and the tips are in the DOM Chromium built; with the API server cut off (a
 * {@link TcpProxy} that drops and refuses connections) the page keeps the last data under a stale
 * banner, and comes back current (with what changed meanwhile) when the API answers again.
 * Screenshots: {@code target/dashboard-screenshot.png} and {@code target/dashboard-stale-screenshot.png}.
 */
class DashboardBrowserTest extends StackTest {
  @TempDir static Path work;

  static int count(String html, String regex) {
    Matcher m = Pattern.compile(regex).matcher(html);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  static boolean stale() {
    try {
      return stack.json("/api/overview").path("freshness").path("stale").asBoolean();
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void page_inChromium_showsThePodsAndTips_thenStaleDataUnderABanner_thenRecovers() throws Exception {
    Path chromium = Chromium.require();
    Path shot = Path.of("target", "dashboard-screenshot.png");
    String dom = Chromium.render(chromium, stack.uri("/"), shot, work);
    assertThat(count(dom, "<tr class=\"pod-row state-")).isEqualTo(FakeCluster.APPS);
    assertThat(dom).contains("data-pod=\"team-a/app-0\"", "data-pod=\"team-c/app-29\"")
        .doesNotContain("data-pod=\"team-a/web-0\"").doesNotContain("id=\"stale-banner\"");
    assertThat(count(dom, "<tr class=\"tip tip-critical\">")).isEqualTo(3);
    assertThat(count(dom, "<tr class=\"tip tip-warning\">")).isEqualTo(2);
    assertThat(dom).contains("node node-6", "PersistentVolumeClaim team-c/pending-gold", "mount pod nectarfs/" + FakeCluster.CRASHING,
        "PersistentVolumeClaim " + FakeKubelet.FULL, "quota 95% used: 95.0 GiB of 100.0 GiB", "95.0 GiB of 100.0 GiB (95%)");
    assertThat(count(dom, "<tr class=\"mountpod-row state-failing\"")).isEqualTo(1);
    assertThat(Files.readAllBytes(shot)).startsWith(0x89, 'P', 'N', 'G').hasSizeGreaterThan(10_000);

    stack.proxy.cut();
    Stack.await("the dashboard notices the API server is gone", DashboardBrowserTest::stale);
    // changed while the dashboard cannot see it
    stack.admin.pods().inNamespace("team-a").resource(new PodBuilder().withNewMetadata().withName("app-late").endMetadata()
        .withNewSpec().withNodeName("node-1").addNewContainer().withName("train").withImage("pytorch:2").endContainer()
            .addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName("data-0").endPersistentVolumeClaim().endVolume()
        .endSpec().build()).create();
    String staleDom = Chromium.render(chromium, stack.uri("/"), Path.of("target", "dashboard-stale-screenshot.png"), work);
    assertThat(staleDom).contains("id=\"stale-banner\"", "Stale data.", "not being watched");
    assertThat(count(staleDom, "<tr class=\"pod-row state-")).isEqualTo(FakeCluster.APPS); // the last data, still shown
    JsonNode staleTips = stack.json("/api/tips");
    assertThat(staleTips.path("tips").findValuesAsText("object")).contains("Kubernetes API");
    assertThat(staleTips.path("freshness").path("lastSync").asText()).isNotEmpty();

    stack.proxy.restore();
    Stack.await("the dashboard is current again and sees app-late", () -> {
      try {
        JsonNode o = stack.json("/api/overview");
        return !o.path("freshness").path("stale").asBoolean(true) && o.path("pods").findValuesAsText("name").contains("app-late");
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    });
    assertThat(stack.get("/").body()).doesNotContain("id=\"stale-banner\"").contains("data-pod=\"team-a/app-late\"");
    // no mount pod names app-late's uid yet (not published): the one that serves its PV on its node
    JsonNode late = DashboardApiTest.find(stack.json("/api/overview").path("pods"), "id", "team-a/app-late");
    assertThat(DashboardApiTest.texts(late.path("mountPods"))).containsExactly("nectarfs/" + FakeCluster.PEER_FAILING);
  }
}
