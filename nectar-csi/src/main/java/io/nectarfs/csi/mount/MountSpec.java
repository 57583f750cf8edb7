package io.nectarfs.csi.mount;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one node-level mount of a volume needs. Two specs with the same {@link #key()} are served
 * by the same mount (one mount pod or one child process per key on a node), whatever PV asks.
 *
 * @param key stable identity of the mount on this node: derived from the volume (not from the
 *     metadata URL's secret parts) and the mount options, safe to use in names, labels and logs
 *     (lower-case letters, digits and '-', at most 63 characters)
 * @param volumeName the volume's name, for display (labels, the dashboard)
 * @param secrets what the mount process needs and nobody may see: at least {@code META_URL};
 *     optionally storage credentials, encryption key and passphrase. They reach the mount only
 *     through environment or secret files, never a command line, log line or Kubernetes event
 * @param options {@code nectar mount} options (no secrets), e.g. {@code --cache-size=10G}
 * @param parameters StorageClass parameters the mounter may use (mount pod image, resources,
 *     cache directory on the host); unknown ones are ignored
 */
public record MountSpec(
    String key,
    String volumeName,
    Map<String, String> secrets,
    List<String> options,
    Map<String, String> parameters) {
  public MountSpec {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(volumeName, "volumeName");
    secrets = Map.copyOf(secrets);
    options = List.copyOf(options);
    parameters = Map.copyOf(parameters);
  }

  /** Never prints secrets. */
  @Override
  public String toString() {
    return "MountSpec[key=" + key + ", volume=" + volumeName + ", options=" + options
        + ", secrets=" + secrets.keySet() + "]";
  }
}
