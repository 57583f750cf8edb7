package io.nectarfs.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a JVM that runs this build's {@code nectar}: the one place a mount builds
 * the processes it starts (a background mount or keeper, a keeper's worker, a takeover's
 * successor), so they all get the same runtime, native access and class path.
 */
final class ChildJvm {
  private ChildJvm() {}

  /**
   * {@code [setsid] java --enable-native-access=ALL-UNNAMED JVM-OPTIONS -cp CLASSPATH Nectar ARGS}.
   *
   * @param newSession start it in a new session ({@code setsid}, when installed), so it outlives the caller's terminal
   * @param jvmOptions heap and collector options
   * @param nectarArgs the {@code nectar} command line, e.g. {@code mount URL PATH …}
   */
  static List<String> command(boolean newSession, List<String> jvmOptions, List<String> nectarArgs) {
    List<String> cmd = new ArrayList<>();
    if (newSession && Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      cmd.add("/usr/bin/setsid");
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Nectar.class.getName());
    cmd.addAll(nectarArgs);
    return cmd;
  }
}
