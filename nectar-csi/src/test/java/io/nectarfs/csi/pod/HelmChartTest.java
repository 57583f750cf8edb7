package io.nectarfs.csi.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The Helm chart is a thin parameterisation of deploy/csi: its templates use only {@code {{
 * .Values.x.y }}} and {@code {{ .Release.Namespace }}}, so this test renders them itself (Helm is
 * not installed here), and with the default values they give the very objects of deploy/csi.
 */
class HelmChartTest {
  private static final Pattern EXPR = Pattern.compile("\\{\\{-?\\s*(.*?)\\s*-?}}");

  static Path chart() {
    return Manifests.deployDir().resolve("helm/nectar-csi");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> values() throws IOException {
    return new YAMLMapper().readValue(Files.readString(chart().resolve("values.yaml")), Map.class);
  }

  /** Asserts every {@code .Values.x.y} of {@code template} is in {@code values}; returns how many it uses. */
  static int assertValuesExist(String template, Map<String, Object> values, String file) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$?\\.Values\\.([A-Za-z.]+)").matcher(template);
    int seen = 0;
    while (m.find()) {
      Object v = values;
      for (String part : m.group(1).split("\\.")) {
        v = v instanceof Map<?, ?> map ? map.get(part) : null;
      }
      org.assertj.core.api.Assertions.assertThat(v).as(".Values.%s in %s", m.group(1), file).isNotNull();
      seen++;
    }
    return seen;
  }

  /** Renders every template with {@code values} into namespace {@code ns}. */
  static Manifests render(Map<String, Object> values, String ns) throws IOException {
    List<Path> templates;
    try (Stream<Path> s = Files.list(chart().resolve("templates"))) {
      // webhook.yaml and dashboard.yaml (off by default) use Helm functions (if, genCA): WebhookManifestsTest and
      // DashboardManifestsTest check them
      templates = s.filter(f -> f.toString().endsWith(".yaml") && !Set.of("webhook.yaml", "dashboard.yaml").contains(f.getFileName().toString()))
          .sorted().toList();
    }
    List<String> docs = new ArrayList<>();
    for (Path t : templates) {
      docs.add(render(Files.readString(t), values, ns, t.getFileName().toString()));
    }
    return Manifests.parse(docs);
  }

  static String render(String template, Map<String, Object> values, String ns, String file) {
    Matcher m = EXPR.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String expr = m.group(1);
      String value;
      if (expr.equals(".Release.Namespace")) {
        value = ns;
      } else if (expr.startsWith(".Values.")) {
        Object v = values;
        for (String part : expr.substring(".Values.".length()).split("\\.")) {
          v = v instanceof Map<?, ?> map ? map.get(part) : null;
        }
        if (v == null || v instanceof Map || v instanceof List) {
          throw new IllegalArgumentException(file + ": " + expr + " is not a scalar of values.yaml");
        }
        value = v.toString();
      } else {
        throw new IllegalArgumentException(file + ": unsupported template expression {{ " + expr + " }} (keep the chart a thin parameterisation)");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  @Test
  void defaultValuesRenderTheObjectsOfDeployCsi() throws Exception {
    Manifests chart = render(values(), "nectarfs");
    Manifests plain = Manifests.load(Manifests.deployDir().resolve("csi"));

    ManifestsTest.checkConsistent(chart, "nectarfs");
    assertThat(chart.all()).hasSizeGreaterThan(10);
    for (HasMetadata o : chart.all()) {
      HasMetadata twin = plain.get(o.getClass(), o.getMetadata().getName());
      assertThat(o).as("%s %s", o.getKind(), o.getMetadata().getName()).isEqualTo(twin);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void valuesReachTheObjects() throws Exception {
    Map<String, Object> values = values();
    ((Map<String, Object>) values.get("image")).put("tag", "9.9.9");
    values.put("kubeletDir", "/data/kubelet");
    ((Map<String, Object>) values.get("storageClass")).put("name", "fast");

    Manifests chart = render(values, "storage");

    ManifestsTest.checkConsistent(chart, "storage");
    DaemonSet node = chart.get(DaemonSet.class, "nectar-csi-node");
    assertThat(node.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage()).endsWith(":9.9.9");
    assertThat(ManifestsTest.container(node.getSpec().getTemplate().getSpec(), "node-driver-registrar").getArgs())
        .contains("--kubelet-registration-path=/data/kubelet/plugins/csi.nectarfs.io/csi.sock");
    assertThat(chart.get(StorageClass.class, "fast").getProvisioner()).isEqualTo(ManifestsTest.DRIVER);
  }

  @Test
  void anythingButAValueLookupIsRefused() {
    assertThatThrownBy(() -> render("a: {{ include \"x\" . }}", Map.of(), "ns", "t.yaml")).hasMessageContaining("unsupported template expression");
  }
}
