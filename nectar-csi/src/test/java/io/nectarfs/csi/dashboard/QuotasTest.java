package io.nectarfs.csi.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The quota tip's thresholds and wording, and the parse of the kubelet's Summary, without a cluster. */
class QuotasTest {
  static final long GIB = 1L << 30;

  static Model.Usage bytes(long used, long capacity) {
    return new Model.Usage(used, capacity, capacity - used, null, null);
  }

  @Test
  void severity_warnsFrom90Percent_criticalFrom98PercentOrNothingLeft() {
    assertThat(Quotas.severity(bytes(899, 1000))).isEmpty();
    assertThat(Quotas.severity(bytes(900, 1000))).hasValue(Model.Severity.WARNING);
    assertThat(Quotas.severity(bytes(979, 1000))).hasValue(Model.Severity.WARNING);
    assertThat(Quotas.severity(bytes(980, 1000))).hasValue(Model.Severity.CRITICAL);
    assertThat(Quotas.severity(new Model.Usage(500, 1000, 0, null, null))).as("nothing available").hasValue(Model.Severity.CRITICAL);
    assertThat(Quotas.severity(new Model.Usage(10, 1000, 990, 91L, 100L))).as("inodes").hasValue(Model.Severity.WARNING);
    assertThat(Quotas.severity(new Model.Usage(10, 1000, 990, 98L, 100L))).hasValue(Model.Severity.CRITICAL);
    assertThat(Quotas.severity(new Model.Usage(0, 0, 0, null, null))).as("no capacity reported").isEmpty();
  }

  @Test
  void tip_saysHowFullAndHowToGrow_whenTheClassAllowsExpansion() {
    Model.Claim c = new Model.Claim("team-a", "data-0", "Bound", Model.State.OK, "nectarfs", "pv-a", "100Gi", List.of(), null);
    Model.Overview o = new Model.Overview(new Model.Freshness(false, null, List.of()), List.of(), List.of(c), List.of(), List.of(), List.of());
    var sc = new StorageClassBuilder().withNewMetadata().withName("nectarfs").endMetadata().withAllowVolumeExpansion(true).build();
    List<Model.Tip> tips = new ArrayList<>();
    Quotas.tips(o, new Quotas.Read(Map.of(c.id(), new Model.Usage(100 * GIB - 1, 100 * GIB, 0, 999_000L, 1_000_000L)), List.of()),
        Map.of("nectarfs", sc), tips);
    assertThat(tips).singleElement().satisfies(t -> {
      assertThat(t.severity()).isEqualTo(Model.Severity.CRITICAL);
      assertThat(t.object()).isEqualTo("PersistentVolumeClaim team-a/data-0");
      assertThat(t.message()).isEqualTo("quota 99% used: 100.0 GiB of 100.0 GiB, nothing left: writes fail with 'Disk quota exceeded'; "
          + "inode quota 99% used: 999000 of 1000000 files");
      assertThat(t.action()).startsWith("grow the claim (StorageClass nectarfs allows expansion")
          .contains("kubectl -n team-a patch pvc data-0 -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"150Gi\"}}}}'", "--inodes N");
    });
  }

  @Test
  void summary_keepsClaimVolumesOnly_andComputesWhatIsNotReported() {
    String json = """
        {"node":{"nodeName":"n1"},"pods":[
          {"podRef":{"name":"a","namespace":"ns"},"volume":[
            {"name":"tmp","usedBytes":5,"capacityBytes":10},
            {"name":"data","pvcRef":{"name":"c","namespace":"ns"},"usedBytes":30,"capacityBytes":100}]},
          {"podRef":{"name":"b","namespace":"ns"}}]}""";
    assertThat(Summary.claims(json)).containsExactly(Map.entry("ns/c", new Model.Usage(30, 100, 70, null, null)));
    assertThat(Summary.claims("{\"node\":{},\"pods\":[]}")).isEmpty();
    assertThatThrownBy(() -> Summary.claims("{\"kind\":\"Status\"}")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no pods[]");
    assertThatThrownBy(() -> Summary.claims("<html>")).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not JSON");
    assertThat(bytes(95 * GIB, 100 * GIB).text()).isEqualTo("95.0 GiB of 100.0 GiB (95%)");
  }
}
