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
 * The dashboard's one mutating action, warm-up: {@code nectar warmup PATH} started in the
 * background in the mount pod's container (it fills that mount's cache through its control file;
 * its output goes to the container's log, so the request returns at once), allowed only with the
 * configured bearer token (compared in constant time). The path reaches the shell as {@code $0},
 * never as shell text.
 */
final class Actions {
  /** Runs a command in a container and gives its exit code and output. */
  interface Exec {
    Result run(String ns, String pod, String container, List<String> command) throws IOException;
  }

  record Result(int exit, String output) {}

  private final Optional<byte[]> token;
  private final Exec exec;

  Actions(Optional<String> token, Exec exec) {
    this.token = token.map(t -> t.strip().getBytes(StandardCharsets.UTF_8));
    this.exec = exec;
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
