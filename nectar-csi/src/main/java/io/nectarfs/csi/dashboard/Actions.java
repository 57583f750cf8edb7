package io.nectarfs.csi.dashboard;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.nectarfs.csi.pod.MountPods;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The dashboard's mutating actions, allowed only with the configured bearer token (compared in
 * constant time):
 *
 * <ul>
 *   <li>warm-up: {@code nectar warmup PATH} started in the background in the mount pod's
 *       container (it fills that mount's cache through its control file; its output goes to the
 *       container's log, so the request returns at once). The path reaches the shell as {@code
 *       $0}, never as shell text.
 *   <li>upgrade: the annotation {@link MountPods#UPGRADE_IMAGE} on the mount pod, which the node
 *       plugin acts on (a new image without unmounting, docs/takeover.md).
 * </ul>
 */
final class Actions {
  /** Runs a command in a container and gives its exit code and output. */
  interface Exec {
    Result run(String ns, String pod, String container, List<String> command) throws IOException;
  }

  record Result(int exit, String output) {}

  /** Sets an annotation on a pod. */
  interface Annotate {
    void put(String ns, String pod, String key, String value) throws IOException;
  }

  /** An image reference: registry/name[:tag][@digest], no spaces or shell characters. */
  private static final java.util.regex.Pattern IMAGE = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}");

  private final Optional<byte[]> token;
  private final Exec exec;
  private final Annotate annotate;

  Actions(Optional<String> token, Exec exec, Annotate annotate) {
    this.token = token.map(t -> t.strip().getBytes(StandardCharsets.UTF_8));
    this.exec = exec;
    this.annotate = annotate;
  }

  boolean enabled() {
    return token.isPresent();
  }

  /** Whether {@code given} is the token; false when actions are off. */
  boolean allows(String given) {
    return token.isPresent() && given != null && MessageDigest.isEqual(token.get(), given.strip().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The command that warms {@code path} (absolute, inside the volume) of the mount at {@code mountPoint}.
   *
   * @throws IllegalArgumentException when the path is not absolute or leaves the mount
   */
  static List<String> warmupCommand(String mountPoint, String path) {
    if (path == null || !path.startsWith("/") || path.contains("\0") || List.of(path.split("/")).contains("..")) {
      throw new IllegalArgumentException("path must be absolute inside the volume, without '..', got '" + path + "'");
    }
    return List.of("/bin/sh", "-c", "nohup nectar warmup \"$0\" >/proc/1/fd/1 2>&1 &", mountPoint + (path.equals("/") ? "" : path));
  }

  Result warmup(String ns, String pod, String mountPoint, String path) throws IOException {
    return exec.run(ns, pod, MountPods.CONTAINER, warmupCommand(mountPoint, path));
  }

  /**
   * Asks the node plugin to run the mount pod on {@code image} without unmounting.
   *
   * @throws IllegalArgumentException when {@code image} is not an image reference
   */
  void upgrade(String ns, String pod, String image) throws IOException {
    if (image == null || !IMAGE.matcher(image).matches()) {
      throw new IllegalArgumentException("image must be an image reference such as registry.example/nectar:1.3, got '" + image + "'");
    }
    annotate.put(ns, pod, MountPods.UPGRADE_IMAGE, image);
  }

  /** {@link Annotate} through the API server (a JSON merge patch of the pod's annotations). */
  static Annotate fabric8(KubernetesClient client) {
    return (ns, pod, key, value) -> {
      try {
        client.pods().inNamespace(ns).withName(pod).edit(p -> {
          if (p.getMetadata().getAnnotations() == null) {
            p.getMetadata().setAnnotations(new java.util.TreeMap<>());
          }
          p.getMetadata().getAnnotations().put(key, value);
          return p;
        });
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        throw new IOException("cannot annotate pod " + ns + "/" + pod + ": " + Lookups.oneLine(e), e);
      }
    };
  }

  /** {@link Exec} through the API server ({@code pods/exec}); waits at most {@code timeout}. */
  static Exec fabric8(KubernetesClient client, Duration timeout) {
    return (ns, pod, container, command) -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (ExecWatch w = client.pods().inNamespace(ns).withName(pod).inContainer(container).writingOutput(out).writingError(out)
          .exec(command.toArray(String[]::new))) {
        int code = w.exitCode().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return new Result(code, Redact.line(out.toString(StandardCharsets.UTF_8)));
      } catch (ExecutionException | TimeoutException e) {
        throw new IOException("warm-up in pod " + ns + "/" + pod + " did not finish: " + Lookups.oneLine(e.getCause() == null ? e : e.getCause()), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    };
  }
}
