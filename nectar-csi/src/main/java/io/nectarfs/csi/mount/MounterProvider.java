package io.nectarfs.csi.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A mount mode found by {@link java.util.ServiceLoader} ({@code
 * META-INF/services/io.nectarfs.csi.mount.MounterProvider}), so {@code nectar csi --mode NAME}
 * needs no compile-time link to the mode's module or package. The process mode is built in.
 */
public interface MounterProvider {
  /** The {@code --mode} name, e.g. {@code pod}. */
  String mode();

  /** A mounter for this node. */
  Mounter create(Context context) throws IOException;

  /**
   * What every mode gets.
   *
   * @param nodeId this node's id (the Kubernetes node name)
   * @param stateDir the node plugin's directory for local state (0700)
   * @param settings mode settings from the command line ({@code --mounter-option k=v}) and environment
   * @param keepers where mount pods' FUSE descriptors are kept ({@link DescriptorKeepers#NONE}: nowhere)
   */
  record Context(String nodeId, Path stateDir, Map<String, String> settings, DescriptorKeepers keepers) {
    public Context {
      settings = Map.copyOf(settings);
      java.util.Objects.requireNonNull(keepers, "keepers");
    }

    public Context(String nodeId, Path stateDir, Map<String, String> settings) {
      this(nodeId, stateDir, settings, DescriptorKeepers.NONE);
    }
  }
}
