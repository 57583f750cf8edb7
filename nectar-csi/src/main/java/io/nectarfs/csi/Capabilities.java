package io.nectarfs.csi;

import io.nectarfs.csi.proto.VolumeCapability;
import java.util.List;

/** What volume capabilities the driver serves: mounted file systems in every access mode; never block devices. */
final class Capabilities {
  private Capabilities() {}

  /** INVALID_ARGUMENT when {@code caps} is empty or asks for something we never serve. */
  static void check(List<VolumeCapability> caps, String field) {
    if (caps.isEmpty()) {
      throw CsiException.invalid(field + " missing");
    }
    for (VolumeCapability c : caps) {
      String why = unsupported(c);
      if (why != null) {
        throw CsiException.invalid(why);
      }
    }
  }

  /** Why {@code c} cannot be served, or null. */
  static String unsupported(VolumeCapability c) {
    if (c.hasBlock()) {
      return "block volumes are not supported: NectarFS is a file system (use volumeMode: Filesystem)";
    }
    if (!c.hasMount()) {
      return "volume capability has no access type (mount)";
    }
    if (!c.hasAccessMode() || c.getAccessMode().getMode() == VolumeCapability.AccessMode.Mode.UNKNOWN
        || c.getAccessMode().getModeValue() < 0 || c.getAccessMode().getMode() == VolumeCapability.AccessMode.Mode.UNRECOGNIZED) {
      return "volume capability has no known access mode";
    }
    return null;
  }

  static boolean readOnlyMode(VolumeCapability c) {
    VolumeCapability.AccessMode.Mode m = c.getAccessMode().getMode();
    return m == VolumeCapability.AccessMode.Mode.MULTI_NODE_READER_ONLY || m == VolumeCapability.AccessMode.Mode.SINGLE_NODE_READER_ONLY;
  }
}
