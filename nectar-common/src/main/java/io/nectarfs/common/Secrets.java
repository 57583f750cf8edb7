package io.nectarfs.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where secrets come from: an environment variable {@code NAME}, or a file named by {@code
 * NAME_FILE} (a Kubernetes Secret mounted as a file). Never from process arguments, never logged.
 *
 * <p>The environment is injected so that tests and embedded users can supply their own.
 */
public final class Secrets {
  private final Map<String, String> env;

  public Secrets(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /** Secrets from the process environment. */
  public static Secrets fromEnvironment() {
    return new Secrets(System.getenv());
  }

  /**
   * The secret called {@code name}: the variable itself, else the contents of the file named by
   * {@code name + "_FILE"} with one trailing newline removed.
   *
   * @throws IOException naming the variable and the file (never the secret) when the file cannot
   *     be read
   */
  public Optional<String> get(String name) throws IOException {
    String v = env.get(name);
    if (v != null && !v.isEmpty()) {
      return Optional.of(v);
    }
    String file = env.get(name + "_FILE");
    if (file == null || file.isEmpty()) {
      return Optional.empty();
    }
    Path p = Path.of(file);
    try {
      String s = Files.readString(p, StandardCharsets.UTF_8);
      if (s.endsWith("\n")) {
        s = s.substring(0, s.length() - (s.endsWith("\r\n") ? 2 : 1));
      }
      return Optional.of(s);
    } catch (IOException e) {
      throw new IOException(
          "cannot read " + name + "_FILE=" + file + " (" + e.getClass().getSimpleName() + "): check the path and its permissions", e);
    }
  }

  /** A plain (non-secret) setting from the same environment. */
  public Optional<String> plain(String name) {
    return Optional.ofNullable(env.get(name)).filter(s -> !s.isEmpty());
  }
}
