package io.nectarfs.csi.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ExecAction;
import io.fabric8.kubernetes.api.model.ExecActionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The container that runs one {@code nectar mount}, shared by the mount pods ({@link MountPods})
 * and the sidecars the admission webhook injects ({@code io.nectarfs.csi.webhook}): command,
 * secret environment, resources, privileges, readiness probe and preStop hook. Callers add the
 * volume mounts (and, for a sidecar, the restart policy and a startup probe).
 *
 * <p>Secrets reach the container only through {@code secretKeyRef} environment variables naming
 * keys of a Secret; the metadata URL is passed as {@value #META_URL_ENV}, and the command line
 * carries its redacted form, which {@code nectar mount --foreground-child} replaces by the
 * variable's value when they match (so neither the pod spec nor {@code ps} shows a password).
 */
public final class MountContainers {
  /** The Secret key that holds the metadata URL. */
  public static final String META_URL = "META_URL";
  /** The environment variable through which the mount gets the metadata URL. */
  public static final String META_URL_ENV = "NECTAR_MOUNT_META_URL";
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final int MAX_NAME = 63;

  private MountContainers() {}

  /**
   * What a mount container runs and reads.
   *
   * @param redactedUrl {@code Uris.redact} of the metadata URL (the real one comes from the Secret)
   * @param mountPoint where the volume is mounted inside the container
   * @param options {@code nectar mount} options, no secrets
   * @param secretName the Secret the environment refers to
   * @param secretKeys its keys: {@value #META_URL} and those that become variables of their name
   * @param settings image and resources ({@link PodMounterConfig#IMAGE}, {@link
   *     PodMounterConfig#CPU_REQUEST}, ...), as {@link #settings} merges them
   */
  public record Mount(String redactedUrl, String mountPoint, List<String> options, String secretName, Collection<String> secretKeys,
      Map<String, String> settings) {
    public Mount {
      options = List.copyOf(options);
      secretKeys = List.copyOf(new TreeSet<>(secretKeys));
      settings = Map.copyOf(settings);
    }
  }

  /**
   * The container {@code name} of {@code m}: privileged (it opens {@code /dev/fuse} and mounts),
   * ready while the mount answers, unmounting in its preStop hook.
   *
   * @throws IllegalArgumentException when no image is set
   */
  public static Container container(String name, Mount m) {
    String image = m.settings().get(PodMounterConfig.IMAGE);
    if (image == null || image.isBlank()) {
      throw new IllegalArgumentException("no mount image (parameter " + PodMounterConfig.IMAGE + ")");
    }
    List<String> cmd = new ArrayList<>(List.of("nectar", "mount", "--foreground-child", m.redactedUrl(), m.mountPoint()));
    cmd.addAll(m.options());
    List<EnvVar> env = new ArrayList<>();
    env.add(secretEnv(META_URL_ENV, m.secretName(), META_URL));
    for (String k : m.secretKeys()) {
      if (!k.equals(META_URL) && ENV_NAME.matcher(k).matches()) {
        env.add(secretEnv(k, m.secretName(), k));
      }
    }
    return new ContainerBuilder()
        .withName(name).withImage(image).withImagePullPolicy("IfNotPresent")
        .withCommand(cmd).withEnv(env)
        .withNewResources()
            .withRequests(quantities(m.settings(), PodMounterConfig.CPU_REQUEST, PodMounterConfig.MEMORY_REQUEST))
            .withLimits(quantities(m.settings(), PodMounterConfig.CPU_LIMIT, PodMounterConfig.MEMORY_LIMIT))
        .endResources()
        .withNewSecurityContext().withPrivileged(true).endSecurityContext()
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .withNewReadinessProbe()
            .withExec(answers(m.mountPoint()))
            .withPeriodSeconds(5).withFailureThreshold(1).withTimeoutSeconds(5)
        .endReadinessProbe()
        .withNewLifecycle().withNewPreStop().withNewExec().withCommand("nectar", "umount", m.mountPoint()).endExec().endPreStop().endLifecycle()
        .build();
  }

  /** The probe that passes while {@code mountPoint} is mounted and its root answers a stat. */
  public static ExecAction answers(String mountPoint) {
    return new ExecActionBuilder().withCommand("/bin/sh", "-c", "mountpoint -q \"$0\" && stat -t \"$0\" >/dev/null", mountPoint).build();
  }

  /** StorageClass parameters over the ConfigMap over the defaults, for the known keys. */
  public static Map<String, String> settings(Map<String, String> parameters, Map<String, String> configMap, Map<String, String> defaults) {
    Map<String, String> s = new LinkedHashMap<>();
    for (String k : List.of(PodMounterConfig.IMAGE, PodMounterConfig.CPU_REQUEST, PodMounterConfig.CPU_LIMIT,
        PodMounterConfig.MEMORY_REQUEST, PodMounterConfig.MEMORY_LIMIT, PodMounterConfig.PRIORITY_CLASS, PodMounterConfig.CACHE_DIR)) {
      String v = firstNonBlank(parameters.get(k), configMap.get(k), defaults.get(k));
      if (v != null) {
        s.put(k, v);
      }
    }
    return s;
  }

  /** A valid DNS label / label value of at most 63 characters, unique per input. */
  public static String dnsLabel(String s) {
    String clean = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    if (clean.length() <= MAX_NAME && clean.equals(s)) {
      return clean;
    }
    String hash = sha256(s).substring(0, 8);
    String head = clean.substring(0, Math.min(clean.length(), MAX_NAME - 9)).replaceAll("-+$", "");
    return head + "-" + hash;
  }

  static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static String firstNonBlank(String... vs) {
    for (String v : vs) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  private static Map<String, Quantity> quantities(Map<String, String> settings, String cpu, String memory) {
    Map<String, Quantity> q = new TreeMap<>();
    Optional.ofNullable(settings.get(cpu)).ifPresent(v -> q.put("cpu", new Quantity(v)));
    Optional.ofNullable(settings.get(memory)).ifPresent(v -> q.put("memory", new Quantity(v)));
    return q;
  }

  private static EnvVar secretEnv(String name, String secret, String key) {
    return new EnvVarBuilder().withName(name)
        .withNewValueFrom().withNewSecretKeyRef().withName(secret).withKey(key).withOptional(false).endSecretKeyRef().endValueFrom()
        .build();
  }
}
