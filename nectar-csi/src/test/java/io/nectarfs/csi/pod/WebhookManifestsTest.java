package io.nectarfs.csi.pod;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * deploy/csi/webhook (the admission webhook, with cert-manager) parses and hangs together, and
 * the chart's webhook template asks only for values that values.yaml has. Helm is not installed
 * here, so the template itself (if, genCA, genSignedCert) is not rendered by a test.
 */
class WebhookManifestsTest {
  static final Path DIR = Manifests.deployDir().resolve("csi/webhook");

  @Test
  void plainManifests_pointTheApiServerAtTheWebhook() throws Exception {
    Manifests m = Manifests.parse(List.of(Files.readString(DIR.resolve("10-webhook.yaml")), Files.readString(DIR.resolve("11-webhook-config.yaml"))));
    Deployment d = m.get(Deployment.class, "nectar-csi-webhook");
    Service svc = m.get(Service.class, "nectar-csi-webhook");
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(svc.getSpec().getSelector());
    assertThat(m.get(ServiceAccount.class, d.getSpec().getTemplate().getSpec().getServiceAccountName())).isNotNull();
    assertThat(m.get(ClusterRoleBinding.class, "nectar-csi-webhook").getSubjects().getFirst().getName()).isEqualTo("nectar-csi-webhook");
    List<PolicyRule> rules = m.get(ClusterRole.class, "nectar-csi-webhook").getRules();
    for (String informed : List.of("persistentvolumeclaims", "persistentvolumes", "storageclasses")) {
      assertThat(verbs(rules, informed)).as("the informers' %s", informed).containsExactlyInAnyOrder("get", "list", "watch");
    }
    assertThat(verbs(rules, "secrets")).as("Secrets are read one by one, never listed").containsExactly("get");

    Container c = d.getSpec().getTemplate().getSpec().getContainers().getFirst();
    assertThat(c.getArgs()).startsWith("csi", "webhook").contains("/certs/tls.crt", "/certs/tls.key");
    assertThat(c.getVolumeMounts().getFirst().getMountPath()).isEqualTo("/certs");
    String tlsSecret = d.getSpec().getTemplate().getSpec().getVolumes().getFirst().getSecret().getSecretName();

    MutatingWebhookConfiguration config = m.get(MutatingWebhookConfiguration.class, "nectar-csi-webhook");
    assertThat(config.getWebhooks()).hasSize(2);
    for (MutatingWebhook w : config.getWebhooks()) {
      assertThat(w.getClientConfig().getService().getName()).isEqualTo(svc.getMetadata().getName());
      assertThat(w.getClientConfig().getService().getNamespace()).isEqualTo(svc.getMetadata().getNamespace());
      assertThat(w.getClientConfig().getService().getPath()).isEqualTo("/mutate");
      assertThat(w.getAdmissionReviewVersions()).containsExactly("v1");
      assertThat(w.getRules().getFirst().getResources()).containsExactly("pods");
      assertThat(w.getRules().getFirst().getOperations()).containsExactly("CREATE");
      assertThat(w.getSideEffects()).isEqualTo("None");
    }
    // one entry per opt-in (namespace label, pod label), never both for one pod
    assertThat(config.getWebhooks().get(0).getNamespaceSelector().getMatchLabels()).containsEntry("nectarfs.io/sidecar", "enabled");
    assertThat(config.getWebhooks().get(1).getObjectSelector().getMatchLabels()).containsEntry("nectarfs.io/sidecar", "enabled");
    assertThat(config.getWebhooks().get(1).getNamespaceSelector().getMatchExpressions().getFirst().getOperator()).isEqualTo("NotIn");

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> certManager = new YAMLMapper().readValues(new YAMLMapper().createParser(Files.readString(DIR.resolve("12-cert-manager.yaml"))), Map.class)
        .readAll().stream().map(o -> (Map<String, Object>) o).toList();
    Map<String, Object> certificate = certManager.stream().filter(o -> "Certificate".equals(o.get("kind"))).findFirst().orElseThrow();
    assertThat(((Map<?, ?>) certificate.get("spec")).get("secretName")).isEqualTo(tlsSecret);
    assertThat(String.valueOf(((Map<?, ?>) certificate.get("spec")).get("dnsNames"))).contains("nectar-csi-webhook.nectarfs.svc");
    assertThat(config.getMetadata().getAnnotations()).containsEntry("cert-manager.io/inject-ca-from", "nectarfs/nectar-csi-webhook");
  }

  @Test
  @SuppressWarnings("unchecked")
  void chartTemplate_usesOnlyValuesThatExist_andIsOffByDefault() throws Exception {
    Map<String, Object> values = HelmChartTest.values();
    String template = Files.readString(HelmChartTest.chart().resolve("templates/webhook.yaml"));
    int seen = HelmChartTest.assertValuesExist(template, values, "templates/webhook.yaml");
    assertThat(seen).isGreaterThan(5);
    assertThat(((Map<String, Object>) values.get("webhook")).get("enabled")).isEqualTo(false);
    assertThat(template).contains("genCA", "genSignedCert", "failurePolicy: {{ $.Values.webhook.failurePolicy }}");
  }

  private static List<String> verbs(List<PolicyRule> rules, String resource) {
    return rules.stream().filter(r -> r.getResources().contains(resource)).flatMap(r -> r.getVerbs().stream()).toList();
  }
}
