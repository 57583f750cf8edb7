package io.nectarfs.csi;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import java.io.IOException;
import java.util.Map;

/**
 * Opens a metadata client from an RPC's secrets map. The map is read like the CLI's environment
 * ({@link Secrets}): {@code META_URL}, or {@code META_URL_FILE} naming a file in the plugin's
 * container; the same map supplies every other secret the engine asks for.
 */
final class MetaAccess {
  /** The secret that holds the metadata engine URL (with its credentials). */
  static final String META_URL = "META_URL";

  private MetaAccess() {}

  /** The metadata URL from {@code secrets}; INVALID_ARGUMENT naming the missing secret. */
  static String metaUrl(Map<String, String> secrets) throws IOException {
    return new Secrets(secrets).get(META_URL)
        .orElseThrow(() -> CsiException.invalid("missing secret " + META_URL
            + " (or " + META_URL + "_FILE): name a Secret with it in the StorageClass (csi.storage.k8s.io/*-secret-name) or the PV"));
  }

  /**
   * A metadata client for administration (no background jobs); the caller closes it. A URL that
   * names no volume fails FAILED_PRECONDITION, an engine that does not answer UNAVAILABLE (by
   * {@link Statuses}), with the volume layer's message (credentials redacted).
   */
  static MetaClient open(Map<String, String> secrets) throws IOException {
    return open(secrets, false);
  }

  /**
   * Checks the secrets name a volume that answers (a read-only client, no session), with the
   * statuses of {@link #open}; returns the volume's name.
   */
  static String check(Map<String, String> secrets) throws IOException {
    try (MetaClient m = open(secrets, true)) {
      return m.format().name();
    }
  }

  private static MetaClient open(Map<String, String> secrets, boolean readOnly) throws IOException {
    String url = metaUrl(secrets);
    try {
      return Volume.openMeta(url, VolumeOptions.defaults().withSecrets(new Secrets(secrets)).withReadOnly(readOnly).withBackgroundJobs(false)
          .withClientName("csi"));
    } catch (io.nectarfs.common.FsException e) {
      throw e;
    } catch (IOException e) {
      if (Statuses.unreachable(e)) {
        throw e;
      }
      throw new CsiException(io.grpc.Status.Code.FAILED_PRECONDITION, "secret META_URL: " + e.getMessage());
    }
  }
}
