package io.nectarfs.gateway.webdav;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rclone's webdav backend copies a tree with awkward names to the server, lists it and checks it. */
class RcloneTest {
  @TempDir Path tmp;

  @Test
  void copyLsfCheck_ofATreeWithSpacesPercentAndUtf8() throws Exception {
    Tools.require("rclone", "rclone");
    Path src = Files.createDirectories(tmp.resolve("src"));
    Path deep = Files.createDirectories(src.resolve("sub dir/ü%x"));
    byte[] big = new byte[5 << 20];
    new Random(3).nextBytes(big);
    Files.write(src.resolve("sub dir/big file"), big);
    Files.writeString(deep.resolve("a#b?.txt"), "hi\n");
    Files.writeString(src.resolve("top"), "x\n");
    try (DavFixture dav = DavFixture.start()) {
      Map<String, String> env = Map.of("RCLONE_CONFIG_DAV_TYPE", "webdav", "RCLONE_CONFIG_DAV_URL", dav.url(),
          "RCLONE_CONFIG_DAV_VENDOR", "other", "RCLONE_CONFIG", tmp.resolve("rclone.conf").toString());
      Tools.Run copy = Tools.run(tmp, env, "rclone", "copy", src.toString(), "dav:t");
      assertThat(copy.exit()).as(copy.output()).isZero();
      Tools.Run lsf = Tools.run(tmp, env, "rclone", "lsf", "-R", "dav:t");
      assertThat(lsf.output().lines().filter(l -> !l.contains("NOTICE")))
          .containsExactlyInAnyOrder("sub dir/", "top", "sub dir/big file", "sub dir/ü%x/", "sub dir/ü%x/a#b?.txt");
      Tools.Run check = Tools.run(tmp, env, "rclone", "check", src.toString(), "dav:t");
      assertThat(check.exit()).as(check.output()).isZero();
      assertThat(check.output()).contains("0 differences found");
      assertThat(dav.volume.fileSystem().readAll(Ctx.ROOT, "/t/sub dir/big file")).isEqualTo(big);
    }
  }
}
