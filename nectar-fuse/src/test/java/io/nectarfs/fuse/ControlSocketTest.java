package io.nectarfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nectarfs.fuse.linux.LibC;
import io.nectarfs.fuse.linux.UnixSockets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The control socket's peer check (SO_PEERCRED): a mount "owned" by uid 4321 serves root and
 * refuses uid 4322 (run through setpriv), with a refusal frame sent after its request (so the
 * refused client's send succeeds and it reads why). Needs root and setpriv.
 */
class ControlSocketTest {
  /**
   * Connects, then waits up to 3 s for anything from the server before it sends: a server that
   * answers (and closes) before reading the request makes the send fail (EPIPE), as a real client's
   * would; "early" says that happened.
   */
  private static final String CLIENT = """
      import select, socket, struct, sys
      s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
      s.connect(sys.argv[1])
      if select.select([s], [], [], 3)[0]:
          print("early")
      body = b'{"op":"describe"}'
      s.sendall(struct.pack('>I', len(body)) + body)
      n = struct.unpack('>I', s.recv(4, socket.MSG_WAITALL))[0]
      print(s.recv(n, socket.MSG_WAITALL).decode())
      """;

  @Test
  void onlyRootAndTheOwner_areServed() throws Exception {
    assumeTrue(LibC.getuid() == 0 && Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs root and setpriv");
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "nectar-control-test", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    Path sock = dir.resolve("c.sock");
    ControlSocket.Handler answer = c -> {
      UnixSockets.Frame f = c.receive(1 << 16, 30_000);
      c.send(("{\"ok\":true,\"uid\":" + c.peer().uid() + "}").getBytes(StandardCharsets.UTF_8));
    };
    try (ControlSocket s = ControlSocket.listenAt(sock, 4321, "rw-rw-rw-", answer)) {
      assertThat(run("setpriv", "--reuid=4322", "--regid=4322", "--clear-groups", "/usr/bin/python3", "-c", CLIENT, sock.toString()))
          .contains("\"ok\":false").contains("permission denied").contains("uid 4321").doesNotContain("early");
      assertThat(run("setpriv", "--reuid=4321", "--regid=4321", "--clear-groups", "/usr/bin/python3", "-c", CLIENT, sock.toString()))
          .contains("\"ok\":true,\"uid\":4321");
      assertThat(run("python3", "-c", CLIENT, sock.toString())).contains("\"ok\":true,\"uid\":0");
    } finally {
      Files.deleteIfExists(sock);
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void theSocketPath_isNamedFromTheMountpoint_underTheOwnersDirectory() {
    assertThat(ControlSocket.path(Path.of("/mnt/a"), 0)).hasParentRaw(Path.of("/run/nectar"));
    assertThat(ControlSocket.path(Path.of("/mnt/a"), 0)).isNotEqualTo(ControlSocket.path(Path.of("/mnt/b"), 0));
    assertThat(ControlSocket.path(Path.of("/mnt/a"), 0).getFileName().toString()).matches("mount-[0-9a-f]{16}\\.sock");
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out;
  }
}
