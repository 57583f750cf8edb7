package io.nectarfs.gateway.webdav;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * davfs2 mounts the server (non-interactively: credentials from a secrets file), writes and reads
 * files through the mount (with its WebDAV locks on), and the volume holds them after unmount.
 */
class DavfsTest {
  @TempDir Path tmp;

  @Test
  void mountWriteReadUnmount() throws Exception {
    Tools.requireRootAndFuse();
    Tools.require("mount.davfs", "davfs2");
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Path secrets = tmp.resolve("secrets");
    Path conf = tmp.resolve("davfs2.conf");
    byte[] big = new byte[3 << 20];
    new Random(5).nextBytes(big);
    try (DavFixture dav = DavFixture.start()) {
      Files.writeString(secrets, dav.url() + " anonymous anonymous\n");
      Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rw-------"));
      // buf_size 64: davfs2 1.6/1.7 directory reads fail with EINVAL on Linux >= 6.16 otherwise (davfs2 issue #22)
      Files.writeString(conf, "secrets " + secrets + "\nuse_locks 1\nbuf_size 64\n");
      Tools.Run mount = Tools.run(tmp, Map.of(), "mount.davfs", "-o", "conf=" + conf, dav.url(), mnt.toString());
      assertThat(mount.exit()).as(mount.output()).isZero();
      boolean mounted = true;
      try {
        Files.writeString(mnt.resolve("hello.txt"), "hello davfs\n");
        Files.write(mnt.resolve("big"), big);
        Files.createDirectories(mnt.resolve("d ir"));
        assertThat(Files.readString(mnt.resolve("hello.txt"))).isEqualTo("hello davfs\n");
        assertThat(Files.readAllBytes(mnt.resolve("big"))).isEqualTo(big);
        try (var s = Files.list(mnt)) {
          assertThat(s.map(p -> p.getFileName().toString())).contains("hello.txt", "big", "d ir");
        }
        Tools.Run umount = Tools.run(tmp, Map.of(), "umount", mnt.toString());
        assertThat(umount.exit()).as(umount.output()).isZero();
        mounted = false;
      } finally {
        if (mounted) {
          Tools.run(tmp, Map.of(), "umount", "-l", mnt.toString());
        }
      }
      // umount.davfs returns once every changed file is uploaded
      assertThat(new String(dav.volume.fileSystem().readAll(Ctx.ROOT, "/hello.txt"), StandardCharsets.UTF_8)).isEqualTo("hello davfs\n");
      assertThat(dav.volume.fileSystem().readAll(Ctx.ROOT, "/big")).isEqualTo(big);
      assertThat(dav.volume.fileSystem().stat(Ctx.ROOT, "/d ir").attr().isDir()).isTrue();
    }
  }
}
