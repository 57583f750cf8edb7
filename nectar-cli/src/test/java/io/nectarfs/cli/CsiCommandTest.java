package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nectar csi} refuses what it cannot serve with one clear line, before binding anything. */
class CsiCommandTest {
  @TempDir Path tmp;

  @Test
  void unknownMode_failsClearly_namingTheModesThisBuildHas() {
    CliTest.Run r = CliTest.run("csi", "--endpoint", "unix://" + tmp.resolve("csi.sock"), "--node-id", "n1", "--mode", "vm", "--node",
        "--state-dir", tmp.resolve("state").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--mode vm is not available in this build (available: process, pod)");
    assertThat(tmp.resolve("csi.sock")).doesNotExist();
  }

  @Test
  void tcpEndpoint_isRefused() {
    CliTest.Run r = CliTest.run("csi", "--endpoint", "tcp://127.0.0.1:9000", "--node-id", "n1", "--controller");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("only unix sockets are served");
  }
}
