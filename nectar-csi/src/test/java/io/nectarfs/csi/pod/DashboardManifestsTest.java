package io.nectarfs.csi.pod;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * deploy/csi/dashboard parses, hangs together and is read-only; the chart's dashboard template
 * asks only for values that values.yaml has, is off by default, grants pods/exec only with
 * actions on, and get on nodes/proxy (the quota tip) only, unless quotaChecks is off. Helm is not installed here, so the template itself is not rendered by a test.
 */
class DashboardManifestsTest {
  @Test
  void plainManifests_areAReadOnlyDashboardBehindAClusterIpService() throws Exception {
    Manifests m = Manifests.load(Manifests.deployDir().resolve("csi/dashboard"));
    Deployment d = m.get(Deployment.class, "nectar-csi-dashboard");
    Service svc = m.get(Service.class, "nectar-csi-dashboard");
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(svc.getSpec().getSelector());
    assertThat(svc.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(m.get(ServiceAccount.class, d.getSpec().getTemplate().getSpec().getServiceAccountName())).isNotNull();
    assertThat(m.get(ClusterRoleBinding.class, "nectar-csi-dashboard").getSubjects().getFirst().getName()).isEqualTo("nectar-csi-dashboard");
    Container c = d.getSpec().getTemplate().getSpec().getContainers().getFirst();
    assertThat(c.getArgs()).startsWith("csi", "dashboard").doesNotContain("--actions-token-file");
    List<PolicyRule> rules = m.get(ClusterRole.class, "nectar-csi-dashboard").getRules();
    for (PolicyRule r : rules) {
      assertThat(r.getVerbs()).as(r.toString()).isSubsetOf("get", "list", "watch");
      assertThat(r.getResources()).as(r.toString()).doesNotContain("pods/exec", "configmaps");
    }
    assertThat(rules).filteredOn(r -> r.getResources().contains("nodes/proxy")).as("the kubelets' stats summary, for the quota tip")
        .singleElement().satisfies(r -> {
          assertThat(r.getApiGroups()).containsExactly("");
          assertThat(r.getResources()).containsExactly("nodes/proxy");
          assertThat(r.getVerbs()).containsExactly("get");
        });
  }

  @Test
  @SuppressWarnings("unchecked")
  void chartTemplate_usesOnlyValuesThatExist_andIsOffAndReadOnlyByDefault() throws Exception {
    Map<String, Object> values = HelmChartTest.values();
    String template = Files.readString(HelmChartTest.chart().resolve("templates/dashboard.yaml"));
    assertThat(HelmChartTest.assertValuesExist(template, values, "templates/dashboard.yaml")).isGreaterThan(5);
    Map<String, Object> dashboard = (Map<String, Object>) values.get("dashboard");
    assertThat(dashboard.get("enabled")).isEqualTo(false);
    assertThat(((Map<String, Object>) dashboard.get("actions")).get("enabled")).isEqualTo(false);
    int rule = template.indexOf("[\"pods/exec\"]");
    String exec = template.substring(rule - 120, rule);
    assertThat(exec).contains("{{- if .Values.dashboard.actions.enabled }}");
    assertThat(dashboard.get("quotaChecks")).isEqualTo(true);
    int proxy = template.indexOf("[\"nodes/proxy\"]");
    assertThat(proxy).isPositive();
    assertThat(template.substring(proxy - 80, proxy)).contains("{{- if .Values.dashboard.quotaChecks }}");
    assertThat(template.substring(proxy, template.indexOf("{{- end }}", proxy))).contains("verbs: [\"get\"]").doesNotContain("create", "list");
  }
}
