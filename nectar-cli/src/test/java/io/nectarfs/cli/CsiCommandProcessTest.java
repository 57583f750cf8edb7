package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.nectarfs.csi.proto.GetPluginInfoRequest;
import io.nectarfs.csi.proto.IdentityGrpc;
import io.nectarfs.csi.proto.ProbeRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nectar csi} as the process kubelet's sidecars talk to: it serves on its socket, Probe
 * checks the engine named by the plugin's own META_URL, SIGTERM stops it and removes the socket.
 */
class CsiCommandProcessTest {
  @TempDir Path tmp;

  @Test
  void servesOnItsSocket_probeChecksTheEngine_sigtermStops() throws Exception {
    Path sock = tmp.resolve("csi.sock");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
        "-cp", cp, Nectar.class.getName(), "csi", "--endpoint", "unix://" + sock, "--node-id", "n1", "--controller", "--state-dir", tmp.resolve("state").toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("out.txt").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("META_URL", "redis://:hunter2@127.0.0.1:1/1"); // nothing listens on port 1
    Process p = pb.start();
    ManagedChannel ch = null;
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (!Files.exists(sock)) {
        assertThat(p.isAlive()).as("nectar csi runs: " + Files.readString(tmp.resolve("out.txt"))).isTrue();
        assertThat(System.nanoTime()).as("socket appears").isLessThan(deadline);
        p.waitFor(20, TimeUnit.MILLISECONDS);
      }
      ch = Grpc.newChannelBuilder("unix://" + sock, InsecureChannelCredentials.create()).build();
      IdentityGrpc.IdentityBlockingStub id = IdentityGrpc.newBlockingStub(ch).withDeadlineAfter(120, TimeUnit.SECONDS);
      assertThat(id.getPluginInfo(GetPluginInfoRequest.getDefaultInstance()).getName()).isEqualTo("csi.nectarfs.io");
      assertThatThrownBy(() -> id.probe(ProbeRequest.getDefaultInstance())).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(e.getStatus().getDescription()).contains("unreachable").doesNotContain("hunter2");
      });
    } finally {
      if (ch != null) {
        ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      p.destroy();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("SIGTERM stops nectar csi").isTrue();
    }
    assertThat(sock).doesNotExist();
    assertThat(Files.readString(tmp.resolve("out.txt"))).doesNotContain("hunter2");
  }
}
