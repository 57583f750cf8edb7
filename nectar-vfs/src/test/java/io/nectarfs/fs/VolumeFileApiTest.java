package io.nectarfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.meta.Quota;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The file-API cases on a volume, plus what only a volume can show: permissions of callers other
 * than root (the tests run as root, so the local directory cannot act as another user), slice
 * sharing of copyRange, and quotas.
 */
class VolumeFileApiTest extends FileApiContract {
  static final Ctx ALICE = new Ctx(1000, 1000, new int[] {1000, 50}, 0);
  static final Ctx BOB = Ctx.of(2000, 2000);
  private TestVolume vol;

  @BeforeEach
  void setUp() throws IOException {
    vol = TestVolume.open();
  }

  @AfterEach
  void tearDown() throws IOException {
    vol.close();
  }

  @Override
  FileApi api() {
    return vol.fs;
  }

  @Test
  void securityAttributes_areChangedOnlyByRoot_evenOnTheCallersOwnFile() throws IOException {
    FileSystem fs = vol.fs;
    fs.mkdir(ROOT, "/own", 0777);
    fs.writeAll(ALICE, "/own/f", bytes("x"));
    byte[] cap = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    fails(Errno.EPERM, "/own/f", () -> fs.setXattr(ALICE, "/own/f", "security.capability", cap, 0));
    fails(Errno.EPERM, "/own/f", () -> fs.setXattrBeforePublish(ALICE, "/own/f", fs.stat(ALICE, "/own/f").ino(), "security.selinux", bytes("l")));
    fs.setXattr(ROOT, "/own/f", "security.capability", cap, 0);
    fails(Errno.EPERM, "/own/f", () -> fs.removeXattr(ALICE, "/own/f", "security.capability"));
    assertThat(fs.getXattr(ALICE, "/own/f", "security.capability")).as("reading stays open").isEqualTo(cap);
    fs.setXattr(ALICE, "/own/f", "user.mine", bytes("ok"), 0);
  }

  /**
   * An in-place write through the file API (WebDAV, the S3 gateway) by a user other than root drops
   * setuid/setgid and the capability, as a write through the mount does. Failed before: both stayed.
   */
  @Test
  void inPlaceWriteByAnotherUser_dropsSetuidSetgidAndCapability() throws IOException {
    FileSystem fs = vol.fs;
    fs.mkdir(ROOT, "/shared", 0777);
    fs.writeAll(ROOT, "/shared/tool", bytes("#!/bin/sh"));
    byte[] cap = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    fs.setXattr(ROOT, "/shared/tool", "security.capability", cap, 0);
    fs.chmod(ROOT, "/shared/tool", 06777);
    try (FileHandle h = fs.open(ALICE, "/shared/tool", StandardOpenOption.WRITE)) {
      h.pwrite(ByteBuffer.wrap(bytes("#")), 0);
    }
    assertThat(fs.stat(ROOT, "/shared/tool").attr().mode() & 07777).isEqualTo(0777);
    fails(Errno.ENODATA, "/shared/tool", () -> fs.getXattr(ROOT, "/shared/tool", "security.capability"));
  }

  @Test
  void callers_areCheckedAsThemselves() throws IOException {
    FileSystem fs = vol.fs;
    fs.mkdir(ROOT, "/home", 0755);
    fs.mkdir(ROOT, "/home/alice", 0700);
    fs.chown(ROOT, "/home/alice", 1000, 1000);
    fails(Errno.EACCES, "/home/x", () -> fs.mkdir(ALICE, "/home/x", 0755));
    fails(Errno.EACCES, "/home/x", () -> fs.create(ALICE, "/home/x", 0644, false));
    fs.writeAll(ALICE, "/home/alice/f", bytes("secret"));
    assertThat(fs.stat(ALICE, "/home/alice/f").attr().uid()).isEqualTo(1000);
    fails(Errno.EACCES, "/home/alice/f", () -> fs.stat(BOB, "/home/alice/f"));
    fails(Errno.EACCES, "/home/alice", () -> fs.list(BOB, "/home/alice", null, 10));
    fails(Errno.EACCES, "/home/alice", () -> fs.summary(BOB, "/home/alice"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> fs.walk(BOB, "/home/alice", 5).count())
        .isInstanceOf(java.io.UncheckedIOException.class)
        .cause().isInstanceOfSatisfying(io.nectarfs.common.FsException.class, e -> {
          assertThat(e.errno()).isEqualTo(Errno.EACCES);
          assertThat(e.getMessage()).contains("/home/alice");
        });
    assertThat(fs.summary(ALICE, "/home/alice").files()).isEqualTo(1);

    fs.chmod(ALICE, "/home/alice", 0755);
    assertThat(fs.readAll(BOB, "/home/alice/f")).isEqualTo(bytes("secret"));
    fails(Errno.EACCES, "/home/alice/f", () -> fs.open(BOB, "/home/alice/f", StandardOpenOption.WRITE));
    fails(Errno.EACCES, "/home/alice/f", () -> fs.access(BOB, "/home/alice/f", FileApi.W_OK));
    fs.access(BOB, "/home/alice/f", FileApi.R_OK);
    fails(Errno.EPERM, "/home/alice/f", () -> fs.chmod(BOB, "/home/alice/f", 0777));
    fails(Errno.EPERM, "/home/alice/f", () -> fs.chown(BOB, "/home/alice/f", 2000, -1));
    fails(Errno.EPERM, "/home/alice/f", () -> fs.chown(ALICE, "/home/alice/f", 2000, -1));
    assertThat(fs.chown(ALICE, "/home/alice/f", -1, 50).attr().gid()).isEqualTo(50);
    fails(Errno.EPERM, "/home/alice/f", () -> fs.chown(ALICE, "/home/alice/f", -1, 60));
    fails(Errno.EACCES, "/home/alice/f", () -> fs.utimes(BOB, "/home/alice/f", FileApi.TIME_NOW, FileApi.TIME_NOW));
    fails(Errno.EPERM, "/home/alice/f", () -> fs.utimes(BOB, "/home/alice/f", 1, 1));
    fs.utimes(ALICE, "/home/alice/f", 1, 1);
    fails(Errno.EACCES, "/home/alice/f", () -> fs.truncate(BOB, "/home/alice/f", 0));
    fails(Errno.EACCES, "/home/alice/f", () -> fs.setXattr(BOB, "/home/alice/f", "user.k", bytes("v"), 0));
    fails(Errno.EACCES, "/home/alice/f", () -> fs.unlink(BOB, "/home/alice/f"));
    fails(Errno.EACCES, "/home/alice/f", () -> fs.rename(BOB, "/home/alice/f", "/home/alice/g", 0));
    fails(Errno.EPERM, "/home/alice", () -> fs.setQuota(ALICE, "/home/alice", 1 << 20, 0));

    // supplementary groups count
    fs.writeAll(ROOT, "/group-file", bytes("g"));
    fs.chown(ROOT, "/group-file", 0, 50);
    fs.chmod(ROOT, "/group-file", 0640);
    assertThat(fs.readAll(ALICE, "/group-file")).isEqualTo(bytes("g"));
    fails(Errno.EACCES, "/group-file", () -> fs.readAll(BOB, "/group-file"));

    // a handle keeps the access it was opened with
    try (FileHandle h = fs.open(ALICE, "/home/alice/f", StandardOpenOption.WRITE)) {
      fs.chmod(ALICE, "/home/alice/f", 0444);
      h.pwrite(ByteBuffer.wrap(bytes("S")), 0);
    }
    assertThat(fs.readAll(ALICE, "/home/alice/f")).isEqualTo(bytes("Secret"));

    // sticky directory: only the owner removes
    fs.mkdir(ROOT, "/tmp", 01777);
    fs.writeAll(ALICE, "/tmp/a", bytes("a"));
    fails(Errno.EPERM, "/tmp/a", () -> fs.unlink(BOB, "/tmp/a"));
    fs.unlink(ALICE, "/tmp/a");
  }

  @Test
  void copyRange_sharesSlices_noNewObjects() throws IOException {
    FileSystem fs = vol.fs;
    byte[] data = random(3 * TestVolume.BLOCK + 123, 7);
    fs.writeAll(ROOT, "/src", data);
    fs.create(ROOT, "/dst", 0644, false).close();
    long objects = vol.objects();
    long puts = vol.chunks.stats().objectPuts();
    assertThat(objects).isPositive();
    assertThat(fs.copyRange(ROOT, "/src", 0, "/dst", 0, data.length)).isEqualTo(data.length);
    assertThat(fs.copyRange(ROOT, "/src", 1000, "/dst", data.length + 77, 100_000)).isEqualTo(100_000);
    assertThat(vol.objects()).as("objects in the store").isEqualTo(objects);
    assertThat(vol.chunks.stats().objectPuts()).as("object puts").isEqualTo(puts);
    byte[] got = fs.readAll(ROOT, "/dst");
    assertThat(java.util.Arrays.copyOf(got, data.length)).isEqualTo(data);
    assertThat(java.util.Arrays.copyOfRange(got, data.length + 77, got.length)).isEqualTo(java.util.Arrays.copyOfRange(data, 1000, 101_000));
    fails(Errno.EINVAL, "/src", () -> fs.copyRange(ROOT, "/src", 0, "/src", 10, 100));
  }

  @Test
  void quota_byPath() throws IOException {
    FileSystem fs = vol.fs;
    fs.mkdir(ROOT, "/q", 0777);
    assertThat(fs.quota(ROOT, "/q")).isEmpty();
    Quota set = fs.setQuota(ROOT, "/q", 1 << 20, 2);
    assertThat(set.maxSpace()).isEqualTo(1 << 20);
    fs.writeAll(ALICE, "/q/f", new byte[5000]);
    Quota q = fs.quota(ALICE, "/q").orElseThrow();
    assertThat(q.usedSpace()).isEqualTo(8192);
    assertThat(q.usedInodes()).isEqualTo(1);
    assertThat(q.maxInodes()).isEqualTo(2);
    fs.mkdir(ALICE, "/q/d", 0755);
    fails(Errno.EDQUOT, "/q/g", () -> fs.create(ALICE, "/q/g", 0644, false));
    fails(Errno.ENOTDIR, "/q/f", () -> fs.quota(ROOT, "/q/f"));
    fails(Errno.EPERM, "/q", () -> fs.removeQuota(ALICE, "/q"));
    fails(Errno.EINVAL, "/q", () -> fs.setQuota(ROOT, "/q", -1, 0));
    assertThat(fs.removeQuota(ROOT, "/q")).isTrue();
    assertThat(fs.removeQuota(ROOT, "/q")).isFalse();
    assertThat(fs.quota(ROOT, "/q")).isEmpty();
    fs.create(ALICE, "/q/g", 0644, false).close();
  }
  @Test
  void subdirVolume_listsSummarisesAndQuotasByItsOwnRoot() throws IOException {
    vol.fs.mkdirs(ROOT, "/sub/in", 0755);
    vol.fs.writeAll(ROOT, "/sub/in/f", new byte[100]);
    vol.fs.writeAll(ROOT, "/outside", new byte[1]);
    FileSystem sub = new FileSystem(io.nectarfs.vfs.Vfses.subdir(vol.vfs, "/sub"));
    assertThat(sub.list(ROOT, "/")).extracting(FileApi.Child::name).containsExactly("in");
    assertThat(sub.summary(ROOT, "/")).isEqualTo(new FileApi.Summary(1, 2, 3 * 4096));
    Quota q = sub.setQuota(ROOT, "/", 1 << 20, 0);
    assertThat(q.ino()).isEqualTo(io.nectarfs.meta.Meta.ROOT);
    assertThat(sub.quota(ROOT, "/").orElseThrow().usedInodes()).isEqualTo(2);
    assertThat(vol.fs.quota(ROOT, "/sub").orElseThrow().maxSpace()).isEqualTo(1 << 20);
    try (var w = sub.walk(ROOT, "/", 5)) {
      assertThat(w.map(FileApi.Stat::path)).containsExactly("/", "/in", "/in/f");
    }
  }

  @Test
  void vfsWithoutOrderedListings_defaultReaddirAfter_pagesTheSame() throws IOException {
    io.nectarfs.vfs.Vfs plain = (io.nectarfs.vfs.Vfs) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {io.nectarfs.vfs.Vfs.class}, (proxy, m, args) -> {
          if (m.getName().equals("readdirAfter")) {
            return java.lang.reflect.InvocationHandler.invokeDefault(proxy, m, args);
          }
          try {
            return m.invoke(vol.vfs, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    FileSystem fs = new FileSystem(plain);
    fs.mkdir(ROOT, "/d", 0755);
    for (int i = 0; i < 2100; i++) {
      fs.create(ROOT, "/d/" + (i % 3 == 0 ? "é" : i % 3 == 1 ? "Z" : "a") + i, 0644, false).close();
    }
    List<String> viaDefault = new java.util.ArrayList<>();
    int pages = 0;
    for (String c = null; ; ) {
      FileApi.Page p = fs.list(ROOT, "/d", c, 1000);
      p.entries().forEach(e -> viaDefault.add(e.name()));
      pages++;
      if ((c = p.cursor()) == null) {
        break;
      }
    }
    assertThat(pages).isEqualTo(3);
    assertThat(viaDefault).isEqualTo(vol.fs.list(ROOT, "/d").stream().map(FileApi.Child::name).toList()).hasSize(2100);
  }
}
