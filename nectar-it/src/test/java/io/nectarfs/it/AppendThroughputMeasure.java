package io.nectarfs.it;

import static io.nectarfs.common.OpenFlags.O_APPEND;
import static io.nectarfs.it.MountedVolume.sh;

import io.nectarfs.fuse.MountOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test: measures one writer's O_APPEND throughput through a mount (64-byte records and
 * 1 MiB writes, python3 os.write), next to the same writes without O_APPEND. Runs only with
 * {@code -Dnectar.measure=true}:
 * {@code mvn -B test -pl nectar-it -Dtest=AppendThroughputMeasure -Dnectar.measure=true}.
 */
class AppendThroughputMeasure {
  private static final String PYTHON = """
      import os, sys, time
      flags, n, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
      buf = b'x' * (size - 1) + b'\\n'
      fd = os.open(sys.argv[4], os.O_WRONLY | os.O_CREAT | flags, 0o644)
      t = time.monotonic()
      for i in range(n):
          os.write(fd, buf)
      os.close(fd)
      dt = time.monotonic() - t
      print('%s %d x %d B: %.2f s, %.0f writes/s, %.1f MB/s' % (sys.argv[5], n, size, dt, n / dt, n * size / dt / 1e6))
      """;

  @TempDir Path tmp;

  @Test
  void measure() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("nectar.measure"), "set -Dnectar.measure=true to measure");
    try (MountedVolume v = MountedVolume.mount(tmp.resolve("vol"), 0, MountOptions.builder().allowOther(true).defaultPermissions(true))) {
      String append = Integer.toString(O_APPEND);
      Path script = java.nio.file.Files.writeString(tmp.resolve("w.py"), PYTHON);
      String py = "python3 " + script + " ";
      for (int round = 0; round < 3; round++) { // the first round warms the JIT up; report the best of the others
        StringBuilder out = new StringBuilder("round " + round + "\n");
        out.append(sh(v.mnt, py + append + " 20000 64 a" + round + " 'O_APPEND  '"));
        out.append(sh(v.mnt, py + "0 20000 64 p" + round + " 'positioned'"));
        out.append(sh(v.mnt, py + append + " 256 1048576 A" + round + " 'O_APPEND  '"));
        out.append(sh(v.mnt, py + "0 256 1048576 P" + round + " 'positioned'"));
        System.out.print(out);
      }
    }
  }
}
