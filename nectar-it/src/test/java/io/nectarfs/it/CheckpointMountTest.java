package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint pattern of issue #13, scaled down: eight processes each write their own range of
 * one file with large writes and fsync at the end, all at once; then eight processes read the whole
 * file back at once, on the writing client and on a second client with an empty cache (so the
 * bytes come from the object store). Every reader must see exactly the bytes written.
 */
class CheckpointMountTest {
  private static final int RANKS = 8;
  private static final int RANGE_MIB = 3; // with 1 MiB writes: ranges end inside 4 MiB blocks too

  @TempDir Path tmp;

  @Test
  void eightWritersOfDisjointRanges_thenEightReaders_seeEveryByte() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src"));
    Random random = new Random(13);
    for (int r = 0; r < RANKS; r++) {
      byte[] b = new byte[RANGE_MIB << 20];
      random.nextBytes(b);
      Files.write(src.resolve("rank" + r), b);
    }
    String expected = sh(src, "cat " + ranks() + " | sha256sum").trim();
    Path base = tmp.resolve("vol");
    try (MountedVolume a = MountedVolume.mount(base)) {
      // Ranks in reverse start order: most writes land beyond the current end of the file.
      StringBuilder writers = new StringBuilder("set -e; pids=();");
      for (int r = RANKS - 1; r >= 0; r--) {
        writers.append(" dd if=").append(src.resolve("rank" + r)).append(" of=ckpt bs=1M seek=").append(r * RANGE_MIB)
            .append(" conv=notrunc,fsync status=none & pids+=($!);");
      }
      writers.append(" for p in \"${pids[@]}\"; do wait $p; done");
      sh(a.mnt, writers.toString());
      assertThat(Files.size(a.mnt.resolve("ckpt"))).isEqualTo((long) RANKS * RANGE_MIB << 20);
      assertThat(parallelHashes(a.mnt)).as("readers on the writing client").containsOnly(expected);
      try (MountedVolume b = MountedVolume.secondClient(base, "mnt-b")) {
        assertThat(parallelHashes(b.mnt)).as("readers on a second client, cold cache").containsOnly(expected);
      }
    }
  }

  private static String ranks() {
    StringBuilder s = new StringBuilder();
    for (int r = 0; r < RANKS; r++) {
      s.append(" rank").append(r);
    }
    return s.toString();
  }

  /** The SHA-256 of the whole file as each of {@link #RANKS} concurrent readers saw it. */
  private static String[] parallelHashes(Path mnt) throws Exception {
    String out = sh(mnt, "set -e; for i in $(seq " + RANKS + "); do sha256sum < ckpt > /tmp/ckpt-hash-$$-$i & done; wait;"
        + " cat /tmp/ckpt-hash-$$-*; rm -f /tmp/ckpt-hash-$$-*");
    String[] lines = out.trim().split("\n");
    assertThat(lines).hasSize(RANKS);
    return java.util.Arrays.stream(lines).map(String::trim).toArray(String[]::new);
  }
}
