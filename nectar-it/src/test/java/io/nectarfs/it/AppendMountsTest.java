package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.fuse.MountOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * O_APPEND through real mounts: several mounts of one volume, programs appending records with
 * one write(2) each (python3 os.write and shell {@code >>}); every record must be in the file
 * exactly once and whole, as on a local file system.
 */
class AppendMountsTest {
  private static final int RECORD = 64;
  private static final String PAD = ".".repeat(RECORD - 11);
  private static final String PYTHON = """
      import os, sys
      w, n = int(sys.argv[1]), int(sys.argv[2])
      fd = os.open('log', os.O_WRONLY | os.O_APPEND)
      for i in range(n):
          rec = ('w%%02d s%%04d %s\\n' %% (w, i)).encode()
          assert os.write(fd, rec) == len(rec)
      os.close(fd)
      """.formatted(PAD);

  @TempDir Path tmp;

  @Test
  void fourMountsTimesFourAppenders_everyRecordExactlyOnce() throws Exception {
    int mounts = 4;
    int perMount = 4;
    int records = 400;
    int writers = mounts * perMount;
    Path base = tmp.resolve("vol");
    List<MountedVolume> vols = new ArrayList<>();
    try {
      vols.add(MountedVolume.mount(base, 0, MountOptions.builder().allowOther(true).defaultPermissions(true).keepCache(true)));
      for (int i = 1; i < mounts; i++) {
        vols.add(MountedVolume.secondClient(base, "mnt-" + i));
      }
      sh(vols.get(0).mnt, "touch log");
      List<Process> ps = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        Path dir = vols.get(w % mounts).mnt;
        // Every fourth writer is a shell loop of `printf >> log` (an open with O_APPEND per record).
        ProcessBuilder pb = w % 4 == 3
            ? new ProcessBuilder("bash", "-c", "for i in $(seq 0 " + (records - 1) + "); do printf 'w%02d s%04d %s\\n' " + w + " $i " + PAD
                + " >> log || exit 1; done")
            : new ProcessBuilder("python3", "-c", PYTHON, Integer.toString(w), Integer.toString(records));
        ps.add(pb.directory(dir.toFile()).redirectErrorStream(true).start());
      }
      for (Process p : ps) {
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("writer finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("writer exit status; output: %s", out).isZero();
      }
      long expected = (long) writers * records * RECORD;
      for (MountedVolume v : vols) {
        Path log = v.mnt.resolve("log");
        // Each mount sees the final length once its attribute cache (1 s) expires.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (Files.size(log) != expected && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertEveryRecordOnce(Files.readAllBytes(log), writers, records);
      }
    } finally {
      for (int i = vols.size() - 1; i >= 0; i--) {
        vols.get(i).close();
      }
    }
  }

  @Test
  void appendAfterAnotherMountsAppend_readAndFstatOfTheWriterShowWhereItLanded() throws Exception {
    Path base = tmp.resolve("vol");
    try (MountedVolume a = MountedVolume.mount(base, 0, MountOptions.builder().allowOther(true).defaultPermissions(true).keepCache(true));
        MountedVolume b = MountedVolume.secondClient(base, "mnt-b")) {
      sh(a.mnt, "printf 0123456789 > f");
      // The writer reads first (the kernel of mount a may now cache the page), waits while mount b
      // appends, then appends itself with a length its kernel still believes to be 10.
      String script = """
          import os, sys
          fd = os.open('f', os.O_RDWR | os.O_APPEND)
          print(os.pread(fd, 100, 0).decode(), flush=True)
          sys.stdin.readline()
          assert os.write(fd, b'AA') == 2
          print(os.pread(fd, 12, 0).decode(), os.pread(fd, 100, 0).decode(), os.fstat(fd).st_size, flush=True)
          os.close(fd)
          """;
      Process p = new ProcessBuilder("python3", "-c", script).directory(a.mnt.toFile()).redirectErrorStream(true).start();
      var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("0123456789");
      sh(b.mnt, "printf BBBB >> f");
      p.getOutputStream().write('\n');
      p.getOutputStream().flush();
      assertThat(out.readLine()).as("read-your-writes and fstat after the append").isEqualTo("0123456789BB 0123456789BBBBAA 16");
      assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
      assertThat(p.exitValue()).isZero();
      assertThat(sh(b.mnt, "cat f")).isEqualTo("0123456789BBBBAA");
    }
  }

  private static void assertEveryRecordOnce(byte[] data, int writers, int perWriter) {
    assertThat(data.length).as("file length").isEqualTo(writers * perWriter * RECORD);
    int[] next = new int[writers];
    for (int at = 0; at < data.length; at += RECORD) {
      String rec = new String(data, at, RECORD, StandardCharsets.US_ASCII);
      int writer = Integer.parseInt(rec.substring(1, 3));
      int seq = Integer.parseInt(rec.substring(5, 9));
      assertThat(rec).as("record at %d is whole", at).isEqualTo(String.format("w%02d s%04d %s\n", writer, seq, PAD));
      assertThat(seq).as("writer %d's next record at %d", writer, at).isEqualTo(next[writer]);
      next[writer]++;
    }
    assertThat(next).containsOnly(perWriter);
  }
}
