package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.fuse.MountOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clients of one volume mounted side by side: close-to-open consistency holds although each
 * keeps the kernel's page cache of files it opened before.
 */
class TwoClientsTest {
  @TempDir Path tmp;

  @Test
  void changesOfOneClient_areSeenByTheOtherAtTheNextOpen() throws Exception {
    Path base = tmp.resolve("vol");
    try (MountedVolume a = MountedVolume.mount(base, 0, MountOptions.builder().allowOther(true).defaultPermissions(true).keepCache(true));
        MountedVolume b = MountedVolume.secondClient(base, "mnt-b")) {
      sh(a.mnt, "seq 1 100000 > f");
      assertThat(sh(b.mnt, "md5sum < f")).isEqualTo(sh(a.mnt, "md5sum < f"));
      assertThat(sh(a.mnt, "tail -1 f").trim()).isEqualTo("100000"); // a's page cache now holds f
      sh(b.mnt, "sed -i 's/^100000$/changed by b/' f");
      Thread.sleep(1200); // a's attribute and entry cache time (1 s)
      assertThat(sh(a.mnt, "tail -1 f").trim()).as("a reopens and sees b's change").isEqualTo("changed by b");
      sh(a.mnt, "echo appended by a >> f");
      Thread.sleep(1200);
      assertThat(sh(b.mnt, "tail -1 f").trim()).isEqualTo("appended by a");
      // In place, same inode, same length: a's cached pages must not be served after its next open.
      assertThat(sh(a.mnt, "head -c 6 f")).isEqualTo("1\n2\n3\n");
      sh(b.mnt, "printf 'ZZZZZZ' | dd of=f bs=1 seek=0 conv=notrunc status=none");
      Thread.sleep(1200);
      assertThat(sh(a.mnt, "head -c 6 f")).isEqualTo("ZZZZZZ");
      sh(b.mnt, "mkdir d && echo x > d/y");
      Thread.sleep(1200);
      assertThat(sh(a.mnt, "cat d/y").trim()).isEqualTo("x");
    }
  }
}
