package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --keeper-socket (an external keeper, the CSI node plugin's) excludes running without a keeper
 * and io_uring: a usage error in one line, before anything is opened; and the
 * node plugin refuses a keeper directory of another user and closes its own to others.
 */
class KeeperSocketOptionTest {
  @TempDir Path tmp;

  @Test
  void withIoUringOrNoKeeper_isAUsageError() {
    for (String other : new String[] {"--io-uring", "--no-keeper"}) {
      CliTest.Run r = CliTest.run("mount", "sqlite3://" + tmp.resolve("m.db"), tmp.resolve("mnt").toString(), "--keeper-socket",
          tmp.resolve("k.sock").toString(), other);
      assertThat(r.code()).as(other).isEqualTo(2);
      assertThat(r.err()).as(other).contains("--keeper-socket cannot go with " + other);
      assertThat(r.err()).as(other).doesNotContain("Exception");
    }
    assertThat(Files.exists(tmp.resolve("m.db"))).as("nothing opened").isFalse();
  }

  @Test
  void aKeeperDirectoryOfAnotherUser_isRefused_oneOpenToOthersIsClosed_andAMissingOneIsMade0700() throws Exception {
    Path open = Files.createDirectory(tmp.resolve("open"));
    Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    PodKeepers.open(open);
    assertThat(Files.getPosixFilePermissions(open)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    if (io.nectarfs.fuse.ControlSocket.currentUid() == 0) {
      Path theirs = Files.createDirectory(tmp.resolve("theirs"));
      Files.setAttribute(theirs, "unix:uid", 65534);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> PodKeepers.open(theirs)).hasMessageContaining("must be owned by uid 0 (it is uid 65534)");
    }
    Path made = tmp.resolve("made/keepers");
    PodKeepers k = PodKeepers.open(made);
    assertThat(Files.getPosixFilePermissions(made)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> k.keep("../escape", tmp.resolve("mnt"))).hasMessageContaining("cannot name a keeper socket");
    Path s = k.keep("nectar-vol-0a1b2c", tmp.resolve("mnt"));
    assertThat(s).isEqualTo(made.resolve("nectar-vol-0a1b2c.sock")).exists();
    assertThat(Files.getPosixFilePermissions(s)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertThat(k.keep("nectar-vol-0a1b2c", tmp.resolve("mnt"))).as("one keeper per key").isEqualTo(s);
    k.release("nectar-vol-0a1b2c");
    assertThat(s).doesNotExist();
  }

  /**
   * A keeper holds a root mount's /dev/fuse descriptors and write journal, which it hands to
   * whoever asks to recover: another local user must not reach it. As uid 4321: the 0700
   * directory refuses the connect; with directory and socket opened to everyone, the keeper
   * itself closes the connection unanswered. Root is still served.
   */
  @Test
  void anotherUser_cannotReachAKeeper_andIsNotServedWhenTheSocketIsOpen() throws Exception {
    boolean root = io.nectarfs.fuse.ControlSocket.currentUid() == 0 && Files.isExecutable(Path.of("/usr/bin/setpriv"));
    if (!root) {
      assertThat(System.getenv("CI")).as("CI runs as root with setpriv").isNotEqualTo("true");
      org.junit.jupiter.api.Assumptions.abort("needs root and setpriv");
    }
    Path dir = tmp.resolve("keepers");
    PodKeepers k = PodKeepers.open(dir);
    Path s = k.keep("nectar-vol-5e6f", tmp.resolve("mnt"));
    try {
      assertThat(asAnotherUser(s)).isEqualTo("EACCES");
      Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(s, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
      assertThat(asAnotherUser(s)).as("the keeper's own check").isEqualTo("closed");
      KeeperLink asRoot = KeeperLink.external(s);
      try {
        assertThat(asRoot.status().held()).as("root is served; nothing held").isFalse();
      } finally {
        asRoot.close();
      }
    } finally {
      k.release("nectar-vol-5e6f");
    }
  }

  /** Connects to {@code socket} as uid 4321 and asks {@code recover}: EACCES, closed (no answer) or answered. */
  private static String asAnotherUser(Path socket) throws Exception {
    String py = String.join("\n",
        "import json, socket, struct, sys",
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
        "try:",
        "    s.connect(sys.argv[1])",
        "except PermissionError:",
        "    print('EACCES'); sys.exit(0)",
        "p = json.dumps({'op': 'recover'}).encode()",
        "s.settimeout(60)",
        "try:",
        "    s.sendall(struct.pack('>I', len(p)) + p)",
        "    d = s.recv(65536)",
        "except (BrokenPipeError, ConnectionResetError):",
        "    d = b''",
        "print('answered' if d else 'closed')");
    Process p = new ProcessBuilder("setpriv", "--reuid=4321", "--regid=4321", "--clear-groups", "/usr/bin/python3", "-c", py, socket.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    return out;
  }
}
