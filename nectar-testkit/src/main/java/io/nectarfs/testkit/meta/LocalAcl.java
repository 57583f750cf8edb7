package io.nectarfs.testkit.meta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The local Linux file system as the oracle for ACL tests: runs {@code setfacl}, {@code getfacl},
 * {@code setpriv} and python's {@code os.getxattr} on a scratch directory when they are present
 * and the process is root. Also an independent encoder of getfacl text to the kernel's xattr
 * bytes, so the tests do not check the implementation against itself.
 */
final class LocalAcl {
  private LocalAcl() {}

  /** Whether the local tools can be used (root, setfacl, setpriv, python3, and a file system with ACLs). */
  static boolean available(Path scratch) {
    try {
      if (!"0".equals(run(null, "id", "-u").strip())) {
        return false;
      }
      Path f = Files.createTempFile(scratch, "probe", "");
      run(null, "setfacl", "-m", "u:1000:r", f.toString());
      return run(null, "getfacl", "-n", "-c", f.toString()).contains("user:1000:r--");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  static String run(Path dir, String... cmd) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + String.join(" ", cmd));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out);
    }
    return out;
  }

  /** Whether a command succeeds (exit 0). */
  static boolean succeeds(String... cmd) throws IOException {
    try {
      run(null, cmd);
      return true;
    } catch (IOException e) {
      if (e.getMessage().contains("failed (")) {
        return false;
      }
      throw e;
    }
  }

  /** getfacl -n -c of one kind ("" access, "default:" default) as one comma-joined line, effective comments dropped. */
  static String getfacl(Path p, boolean dflt) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : run(null, "getfacl", "-p", "-n", "-c", p.toString()).split("\n")) {
      String l = line.replaceAll("\\s*#.*$", "").strip();
      if (l.isEmpty()) {
        continue;
      }
      if (dflt == l.startsWith("default:")) {
        out.add(dflt ? l.substring("default:".length()) : l);
      }
    }
    return String.join(",", out);
  }

  /** The raw value of an xattr of a local file, or null when absent. */
  static byte[] xattr(Path p, String name) throws IOException {
    String hex = run(null, "python3", "-c",
        "import os,sys\ntry:\n print(os.getxattr(sys.argv[1], sys.argv[2]).hex())\nexcept OSError:\n print('none')", p.toString(), name).strip();
    return hex.equals("none") ? null : HexFormat.of().parseHex(hex);
  }

  /** Whether uid/gid/groups may access {@code p} for {@code test} ("-r", "-w", "-x"), asked of the kernel. */
  static boolean allowed(Path p, int uid, int gid, int[] groups, String test) throws IOException {
    StringBuilder g = new StringBuilder();
    for (int x : groups) {
      g.append(g.isEmpty() ? "" : ",").append(x);
    }
    List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid));
    cmd.add(groups.length == 0 ? "--clear-groups" : "--groups=" + g);
    cmd.addAll(List.of("test", test, p.toString()));
    return succeeds(cmd.toArray(String[]::new));
  }

  /** The kernel's xattr encoding of getfacl text such as {@code user::rw-,user:1000:r--,group::r--,mask::r--,other::---}. */
  static byte[] encode(String text) {
    String[] entries = text.split(",");
    ByteBuffer bb = ByteBuffer.allocate(4 + 8 * entries.length).order(ByteOrder.LITTLE_ENDIAN);
    bb.putInt(2);
    for (String e : entries) {
      String[] f = e.split(":");
      int perm = (f[2].charAt(0) == 'r' ? 4 : 0) | (f[2].charAt(1) == 'w' ? 2 : 0) | (f[2].charAt(2) == 'x' ? 1 : 0);
      boolean named = !f[1].isEmpty();
      int tag = switch (f[0]) {
        case "user" -> named ? 0x02 : 0x01;
        case "group" -> named ? 0x08 : 0x04;
        case "mask" -> 0x10;
        case "other" -> 0x20;
        default -> throw new IllegalArgumentException(e);
      };
      bb.putShort((short) tag);
      bb.putShort((short) perm);
      bb.putInt(named ? Integer.parseInt(f[1]) : -1);
    }
    return bb.array();
  }
}
