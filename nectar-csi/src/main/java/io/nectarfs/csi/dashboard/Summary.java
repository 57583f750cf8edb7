package io.nectarfs.csi.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The per-claim volume stats of a kubelet's Summary API ({@code /stats/summary}: {@code
 * pods[].volume[]} with {@code pvcRef}, {@code usedBytes}, {@code capacityBytes}, {@code
 * availableBytes}, {@code inodesUsed}, {@code inodes}). Volumes without a claim (emptyDir,
 * projected) and entries without byte counts are skipped.
 */
final class Summary {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Summary() {}

  /**
   * The usage of every claim mounted on the node, by {@code namespace/name}; the same claim in
   * several pods is the same quota, the first entry counts.
   *
   * @throws IllegalArgumentException with a one-line reason when {@code json} is not a Summary
   */
  static Map<String, Model.Usage> claims(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON (" + Lookups.oneLine(e) + ")", e);
    }
    if (root == null || !root.path("pods").isArray()) {
      throw new IllegalArgumentException("no pods[] in the kubelet's stats summary");
    }
    Map<String, Model.Usage> out = new LinkedHashMap<>();
    for (JsonNode pod : root.path("pods")) {
      for (JsonNode v : pod.path("volume")) {
        JsonNode ref = v.path("pvcRef");
        if (!ref.path("name").isTextual() || !ref.path("namespace").isTextual() || !v.path("usedBytes").isNumber()
            || !v.path("capacityBytes").isNumber()) {
          continue;
        }
        long used = v.path("usedBytes").asLong();
        long capacity = v.path("capacityBytes").asLong();
        Long available = number(v, "availableBytes");
        out.putIfAbsent(ref.path("namespace").asText() + "/" + ref.path("name").asText(), new Model.Usage(used, capacity,
            available == null ? Math.max(0, capacity - used) : available, number(v, "inodesUsed"), number(v, "inodes")));
      }
    }
    return out;
  }

  private static Long number(JsonNode v, String field) {
    return v.path(field).isNumber() ? v.path(field).asLong() : null;
  }
}
