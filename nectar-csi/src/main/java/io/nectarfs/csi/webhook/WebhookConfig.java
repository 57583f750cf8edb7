package io.nectarfs.csi.webhook;

import io.nectarfs.csi.CsiDriver;
import io.nectarfs.csi.pod.PodMounterConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the admission webhook.
 *
 * @param address where to listen (port 0: any free port)
 * @param certFile PEM certificate chain of the server (as Helm's {@code genSignedCert} or
 *     cert-manager write it, {@code tls.crt}); read once at start: a renewed certificate needs a
 *     restart of the webhook
 * @param keyFile PEM private key ({@code tls.key}: PKCS#1, PKCS#8 or SEC1)
 * @param driver the CSI driver name whose claims get a sidecar
 * @param strict reject an opted-in pod that also uses claims of another driver (by default
 *     those are left alone)
 * @param namespace where the ConfigMap of mount defaults lives (the driver's namespace)
 * @param configMap the ConfigMap of mount defaults, the same the mount pods use
 * @param defaults mount container image and resources when neither the StorageClass nor the
 *     ConfigMap names them
 * @param maxRequestBytes the largest AdmissionReview accepted (larger: HTTP 413)
 */
public record WebhookConfig(
    InetSocketAddress address,
    Path certFile,
    Path keyFile,
    String driver,
    boolean strict,
    String namespace,
    String configMap,
    Map<String, String> defaults,
    int maxRequestBytes) {

  /** Pod or namespace label: {@value #ENABLED} opts in, {@value #DISABLED} opts a pod out. */
  public static final String OPT_IN_LABEL = "nectarfs.io/sidecar";
  public static final String ENABLED = "enabled";
  public static final String DISABLED = "disabled";
  /** Pod annotation set on injection, listing the pod volumes served; a pod that has it is left alone. */
  public static final String INJECTED = "nectarfs.io/sidecar-injected";

  public WebhookConfig {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(certFile, "certFile");
    Objects.requireNonNull(keyFile, "keyFile");
    Objects.requireNonNull(driver, "driver");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(configMap, "configMap");
    defaults = Map.copyOf(defaults);
  }

  /**
   * Defaults: driver {@value CsiDriver#NAME}, not strict, namespace {@code nectarfs}, ConfigMap
   * {@code nectar-csi-config}, the mount pods' image and resources (no priority class and no host
   * cache directory: a sidecar has its pod's priority and caches inside its container), 8 MiB
   * requests at most.
   */
  public static WebhookConfig of(InetSocketAddress address, Path certFile, Path keyFile) {
    Map<String, String> d = new java.util.TreeMap<>(PodMounterConfig.forNode("-").defaults());
    d.remove(PodMounterConfig.PRIORITY_CLASS);
    d.remove(PodMounterConfig.CACHE_DIR);
    return new WebhookConfig(address, certFile, keyFile, CsiDriver.NAME, false, "nectarfs", "nectar-csi-config", d, 8 << 20);
  }

  public WebhookConfig withStrict(boolean s) {
    return new WebhookConfig(address, certFile, keyFile, driver, s, namespace, configMap, defaults, maxRequestBytes);
  }

  public WebhookConfig withNamespace(String ns) {
    return new WebhookConfig(address, certFile, keyFile, driver, strict, ns, configMap, defaults, maxRequestBytes);
  }

  public WebhookConfig withDefaults(Map<String, String> d) {
    return new WebhookConfig(address, certFile, keyFile, driver, strict, namespace, configMap, d, maxRequestBytes);
  }

  public WebhookConfig withMaxRequestBytes(int max) {
    return new WebhookConfig(address, certFile, keyFile, driver, strict, namespace, configMap, defaults, max);
  }
}
