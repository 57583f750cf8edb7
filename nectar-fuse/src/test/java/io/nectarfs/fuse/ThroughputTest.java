package io.nectarfs.fuse;

import static io.nectarfs.fuse.Mounted.sh;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Measures {@code dd} throughput through the mount (1 GiB written, then read to /dev/null,
 * buffered and with O_DIRECT). Reported in the test output and in
 * {@code target/fuse-throughput.txt}; not asserted, because machines differ.
 */
class ThroughputTest {
  private static final Pattern RATE = Pattern.compile("copied, ([0-9.]+) s, ([0-9.,]+ [kMG]?B/s)");

  @Test
  void dd_1GiB_writeAndRead() throws Exception {
    List<String> lines = new ArrayList<>();
    try (Mounted m = Mounted.start(MountOptions.defaults())) {
      Path f = m.path("big");
      lines.add("write 1 GiB bs=1M:            " + rate(sh("dd if=/dev/zero of=" + f + " bs=1M count=1024 conv=fsync 2>&1").ok().out()));
      assertThat(Files.size(f)).isEqualTo(1L << 30);
      lines.add("read 1 GiB bs=1M (buffered):  " + rate(sh("dd if=" + f + " of=/dev/null bs=1M 2>&1").ok().out()));
      lines.add("read 1 GiB bs=1M iflag=direct: " + rate(sh("dd if=" + f + " of=/dev/null bs=1M iflag=direct 2>&1").ok().out()));
      lines.add("write 1 GiB bs=1M oflag=direct: " + rate(sh("dd if=/dev/zero of=" + f + "2 bs=1M count=1024 oflag=direct 2>&1").ok().out()));
      Files.delete(f);
      Files.delete(m.path("big2"));
    }
    String report = String.join("\n", lines) + "\n";
    System.out.print(report);
    Path target = Path.of("target");
    if (Files.isDirectory(target)) {
      Files.writeString(target.resolve("fuse-throughput.txt"), report);
    }
  }

  private static String rate(String ddOutput) {
    Matcher mt = RATE.matcher(ddOutput);
    return mt.find() ? mt.group(2) + " (" + mt.group(1) + " s)" : ddOutput.strip();
  }
}
