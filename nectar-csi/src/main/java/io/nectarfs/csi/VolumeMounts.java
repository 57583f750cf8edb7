package io.nectarfs.csi;

import io.nectarfs.csi.mount.MountSpec;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * How a PV is mounted, read from what the PV says (its volume handle, volume attributes and mount
 * options), for mounts made outside the node service: the same rules as NodePublishVolume, so a
 * sidecar mounts exactly what the node plugin would have bind-mounted.
 */
public final class VolumeMounts {
  private VolumeMounts() {}

  /**
   * The directory of the volume a PV is: its volume attribute {@code subdir}, else the one in a
   * dynamic volume id, else "/" (a whole-volume static PV).
   *
   * @throws IllegalArgumentException naming what is wrong with the attribute
   */
  public static String subdir(String volumeHandle, Map<String, String> volumeAttributes) {
    try {
      return NodeService.subdir(volumeHandle, volumeAttributes);
    } catch (CsiException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * The node mount of a PV: its {@code nectar mount} options (the attribute {@code mountOptions}
   * and the PV's mount options, {@code ro}/{@code rw} dropped) and volume name.
   *
   * @param metaUrl the metadata URL with its credentials (kept in the returned spec's secrets only)
   * @throws IllegalArgumentException naming an option that is not a {@code nectar mount} option
   */
  public static MountSpec spec(Map<String, String> volumeAttributes, List<String> mountOptions, String metaUrl) throws IOException {
    try {
      return NodeService.spec(volumeAttributes, mountOptions, Map.of(MetaAccess.META_URL, metaUrl));
    } catch (CsiException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}
