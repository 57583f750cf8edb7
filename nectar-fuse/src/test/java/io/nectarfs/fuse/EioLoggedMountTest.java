package io.nectarfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Errno;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Issue #12 trap: every write failed with EIO and the mount's log said nothing (a VFS failure
 * already mapped to EIO was answered without a word). The log here is slf4j-simple's stderr.
 */
class EioLoggedMountTest {
  @Test
  void aWriteAnsweredWithEio_isLoggedWithItsCause_withoutSecrets() throws Exception {
    try (Mounted m = Mounted.start(MountOptions.builder().volumeName("eiovol").build())) {
      m.vfs.failWrites = Errno.EIO.exception("writing inode 2: put chunks/1_0_3 to s3://AKID:topsecret@127.0.0.1:9/bucket: access denied");
      PrintStream saved = System.err;
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      Mounted.Result r;
      try {
        r = Mounted.sh("echo hello > " + m.dir.resolve("f"));
      } finally {
        System.setErr(saved);
      }
      assertThat(r.err()).contains("Input/output error");
      String log = captured.toString(StandardCharsets.UTF_8);
      assertThat(log).contains("answering EIO", "access denied", "AKID:****@127.0.0.1").doesNotContain("topsecret");
    }
  }
}
