package io.nectarfs.csi.dashboard;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * What the kubelets of the {@link FakeCluster} answer at {@code /stats/summary} (the Summary API,
 * as the API server's node proxy passes it on): node and pod stats, and per pod its volumes, a
 * NectarFS claim's with the quota as capacity (statvfs of the bind mount). {@link #FULL} is at
 * {@value #FULL_PERCENT}%, {@link #HALF} at 50%, every other mounted claim at 10%; {@link
 * #FAILING_NODE}'s kubelet answers HTTP 500; node-6 has no node plugin, so no NectarFS volume
 * of its pods is mounted.
 */
final class FakeKubelet {
  static final String FULL = "team-a/data-0";
  static final String HALF = "team-a/data-2";
  static final int FULL_PERCENT = 95;
  static final String FAILING_NODE = "node-3";
  static final long CAPACITY = 100L << 30;
  static final long INODES = 10_000_000;
  private static final Map<String, Integer> PERCENT = Map.of(FULL, FULL_PERCENT, HALF, 50);

  private FakeKubelet() {}

  /** The Summary JSON of node {@code node-n}. */
  static String summary(int n) {
    String node = "node-" + n;
    ObjectNode root = Stack.JSON.createObjectNode();
    ObjectNode nodeStats = root.putObject("node").put("nodeName", node).put("startTime", "2026-12-01T08:00:00Z");
    nodeStats.putObject("cpu").put("time", "2026-12-01T10:00:00Z").put("usageNanoCores", 412_000_000L).put("usageCoreNanoSeconds", 9_800_000_000_000L);
    nodeStats.putObject("memory").put("time", "2026-12-01T10:00:00Z").put("availableBytes", 6_000_000_000L).put("workingSetBytes", 2_100_000_000L);
    nodeStats.putObject("fs").put("time", "2026-12-01T10:00:00Z").put("availableBytes", 60_000_000_000L).put("capacityBytes", 100_000_000_000L)
        .put("usedBytes", 40_000_000_000L).put("inodesFree", 6_000_000).put("inodes", 6_500_000).put("inodesUsed", 500_000);
    ArrayNode pods = root.putArray("pods");
    for (int k = 0; k < FakeCluster.APPS; k++) {
      if (!FakeCluster.node(k).equals(node)) {
        continue;
      }
      ObjectNode pod = pods.addObject();
      pod.putObject("podRef").put("name", "app-" + k).put("namespace", FakeCluster.ns(k)).put("uid", "uid-app-" + k);
      pod.put("startTime", "2026-12-01T09:00:00Z");
      pod.putArray("containers").addObject().put("name", "train").put("startTime", "2026-12-01T09:00:01Z")
          .putObject("memory").put("time", "2026-12-01T10:00:00Z").put("workingSetBytes", 812_000_000L);
      ArrayNode volumes = pod.putArray("volume");
      if (n != 6) {
        int percent = PERCENT.getOrDefault(FakeCluster.ns(k) + "/" + FakeCluster.claim(k), 10);
        long used = CAPACITY / 100 * percent;
        long inodesUsed = 20_000L * percent;
        volumes.addObject().put("time", "2026-12-01T10:00:00Z").put("availableBytes", CAPACITY - used).put("capacityBytes", CAPACITY)
            .put("usedBytes", used).put("inodesFree", INODES - inodesUsed).put("inodes", INODES).put("inodesUsed", inodesUsed).put("name", "data")
            .putObject("pvcRef").put("name", FakeCluster.claim(k)).put("namespace", FakeCluster.ns(k));
      }
      volumes.addObject().put("time", "2026-12-01T10:00:00Z").put("availableBytes", 6_000_000_000L).put("capacityBytes", 6_000_000_000L)
          .put("usedBytes", 12_288).put("inodesFree", 1_000_000).put("inodes", 1_000_009).put("inodesUsed", 9).put("name", "kube-api-access-x7k2p");
      pod.putObject("ephemeral-storage").put("time", "2026-12-01T10:00:00Z").put("availableBytes", 60_000_000_000L)
          .put("capacityBytes", 100_000_000_000L).put("usedBytes", 36_864);
    }
    return root.toString();
  }
}
