package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.OpenFlags;
import io.nectarfs.common.Secrets;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.FormatRequest;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import io.nectarfs.volume.Volumes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /.control: a request written to the file runs in the mount's client as the writer; the answer is read back. */
class ControlTest {
  private Volume volume;
  private Vfs vfs;
  private FileSystem fs;
  private final List<String> invalidated = new CopyOnWriteArrayList<>();
  private final Ctx alice = new Ctx(1000, 1000, new int[] {1000}, 7);

  @BeforeEach
  void open() throws Exception {
    String url = "mem://control-" + UUID.randomUUID();
    Secrets secrets = new Secrets(Map.of());
    Format wanted = Format.builder("control-test", url).checksum(false).createdMillis(System.currentTimeMillis()).build();
    Volumes.format(url, wanted, FormatRequest.defaults().withSecrets(secrets).withForce(true));
    volume = Volume.open(url, VolumeOptions.defaults().withSecrets(secrets).withCache(CacheOptions.memoryOnly(64L << 20)));
    vfs = volume.vfs();
    fs = volume.fileSystem();
    vfs.setInvalidator(new Vfs.Invalidator() {
      @Override
      public void entry(long parent, String name) {
        invalidated.add(parent + "/" + name);
      }

      @Override
      public void inode(long ino, long off, long len) {}
    });
    fs.mkdirs(Ctx.ROOT, "/d/s", 0755);
    fs.writeAll(Ctx.ROOT, "/d/a", new byte[10]);
    fs.writeAll(Ctx.ROOT, "/d/s/b", new byte[10]);
  }

  @AfterEach
  void close() throws Exception {
    volume.close();
  }

  private Control.Answer ask(Ctx ctx, String request) throws Exception {
    long ino = vfs.lookup(ctx, Meta.ROOT, Control.NAME).ino();
    long fh = vfs.open(ctx, ino, OpenFlags.O_RDWR);
    try {
      byte[] req = request.getBytes(StandardCharsets.UTF_8);
      int half = req.length / 2; // a request may arrive in pieces
      vfs.write(ctx, ino, fh, 0, ByteBuffer.wrap(req, 0, half));
      vfs.write(ctx, ino, fh, half, ByteBuffer.wrap(req, half, req.length - half));
      ByteBuffer answer = ByteBuffer.allocate(4096);
      vfs.read(ctx, ino, fh, 0, answer);
      return Control.parseAnswer(new String(answer.array(), 0, answer.position(), StandardCharsets.UTF_8));
    } finally {
      vfs.release(ctx, ino, fh);
    }
  }

  @Test
  void rmr_removesTheTree_andTheKernelForgetsTheEntry() throws Exception {
    long d = fs.stat(Ctx.ROOT, "/d").ino();
    Control.Answer a = ask(Ctx.ROOT, Control.rmrRequest(d, "s"));
    assertThat(a.errno()).isNull();
    assertThat(a.count()).isEqualTo(2);
    assertThat(invalidated).containsExactly(d + "/s");
    assertThat(fs.list(Ctx.ROOT, "/d")).extracting(FileSystem.Child::name).containsExactly("a");
  }

  @Test
  void rmr_runsAsTheWriter() throws Exception {
    assertThat(vfs.getattr(alice, vfs.lookup(alice, Meta.ROOT, Control.NAME).ino()).mode()).isEqualTo(0666);
    Control.Answer a = ask(alice, Control.rmrRequest(Meta.ROOT, "d"));
    assertThat(a.errno()).isEqualTo(Errno.EACCES);
    assertThat(fs.stat(Ctx.ROOT, "/d/s/b").attr().length()).isEqualTo(10);
  }

  @Test
  void badRequests_answerEinval_andInternalFilesStay() throws Exception {
    assertThat(ask(Ctx.ROOT, "frobnicate\n").errno()).isEqualTo(Errno.EINVAL);
    assertThat(ask(Ctx.ROOT, "rmr\tx\td\n").errno()).isEqualTo(Errno.EINVAL);
    assertThat(ask(Ctx.ROOT, Control.rmrRequest(Meta.ROOT, "..")).errno()).isEqualTo(Errno.EINVAL);
    assertThat(ask(Ctx.ROOT, Control.rmrRequest(Meta.ROOT, ".stats")).errno()).isEqualTo(Errno.EPERM);
    assertThat(ask(Ctx.ROOT, Control.rmrRequest(Meta.ROOT, "nope")).errno()).isEqualTo(Errno.ENOENT);
    assertThatThrownBy(() -> vfs.unlink(Ctx.ROOT, Meta.ROOT, Control.NAME)).hasMessageContaining("internal");
  }

  @Test
  void namesWithTabsAndNewlines_roundTrip() throws Exception {
    fs.writeAll(Ctx.ROOT, "/d/x\ty\nz", new byte[1]);
    long d = fs.stat(Ctx.ROOT, "/d").ino();
    assertThat(ask(Ctx.ROOT, Control.rmrRequest(d, "x\ty\nz")).count()).isEqualTo(1);
  }

  @Test
  void clone_copiesAsTheWriter_andTheKernelForgetsTheNegativeEntry() throws Exception {
    long d = fs.stat(Ctx.ROOT, "/d").ino();
    Control.Answer a = ask(Ctx.ROOT, Control.cloneRequest(d, Meta.ROOT, "e", false));
    assertThat(a.errno()).isNull();
    assertThat(a.count()).isEqualTo(4);
    assertThat(invalidated).containsExactly(Meta.ROOT + "/e");
    assertThat(fs.readAll(Ctx.ROOT, "/e/s/b")).hasSize(10);
    assertThat(ask(Ctx.ROOT, Control.cloneRequest(d, Meta.ROOT, "e", false)).errno()).isEqualTo(Errno.EEXIST);
    assertThat(ask(alice, Control.cloneRequest(d, d, "f", false)).errno()).as("alice may not write /d").isEqualTo(Errno.EACCES);
    assertThat(ask(Ctx.ROOT, "clone\t1\t1\tx\t2\n").errno()).isEqualTo(Errno.EINVAL);
  }

  @Test
  void compact_rewritesFragmentedFilesBelowADirectory() throws Exception {
    fs.mkdirs(Ctx.ROOT, "/logs", 0755);
    for (int i = 0; i < 5; i++) { // five appends, five slices (below the background threshold of 40)
      try (var h = fs.open(Ctx.ROOT, "/logs/app.log", java.util.Set.of(java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.APPEND), 0644)) {
        h.pwrite(ByteBuffer.wrap(("line " + i + "\n").getBytes(StandardCharsets.UTF_8)), 0);
      }
    }
    long f = fs.stat(Ctx.ROOT, "/logs/app.log").ino();
    assertThat(volume.meta().read(Ctx.ROOT, f, 0)).hasSize(5);
    long logs = fs.stat(Ctx.ROOT, "/logs").ino();
    Control.Answer a = ask(Ctx.ROOT, Control.compactRequest(logs, 2));
    assertThat(a.errno()).isNull();
    assertThat(a.count()).isEqualTo(1);
    assertThat(a.message()).isEqualTo("chunks=1 slices_before=5 slices_after=1");
    assertThat(volume.meta().read(Ctx.ROOT, f, 0)).hasSize(1);
    assertThat(new String(fs.readAll(Ctx.ROOT, "/logs/app.log"), StandardCharsets.UTF_8)).isEqualTo("line 0\nline 1\nline 2\nline 3\nline 4\n");
    assertThat(ask(Ctx.ROOT, Control.compactRequest(logs, 1)).errno()).isEqualTo(Errno.EINVAL);
  }

  @Test
  void inodeNumbers_areNoWayAroundADirectoryTheCallerMayNotEnter() throws Exception {
    fs.mkdirs(Ctx.ROOT, "/home/bob/tmp", 0755);
    fs.chmod(Ctx.ROOT, "/home/bob", 0700);
    fs.chmod(Ctx.ROOT, "/home/bob/tmp", 0777);
    fs.writeAll(Ctx.ROOT, "/home/bob/tmp/public", new byte[3]);
    fs.chmod(Ctx.ROOT, "/home/bob/tmp/public", 0666);
    fs.mkdirs(Ctx.ROOT, "/alice", 0755);
    fs.chown(Ctx.ROOT, "/alice", 1000, 1000);
    long tmpDir = fs.stat(Ctx.ROOT, "/home/bob/tmp").ino();
    long pub = fs.stat(Ctx.ROOT, "/home/bob/tmp/public").ino();
    long mine = fs.stat(Ctx.ROOT, "/alice").ino();
    assertThat(ask(alice, Control.rmrRequest(tmpDir, "public")).errno()).isEqualTo(Errno.EACCES);
    assertThat(ask(alice, Control.cloneRequest(pub, mine, "stolen", false)).errno()).isEqualTo(Errno.EACCES);
    assertThat(ask(alice, Control.compactRequest(tmpDir, 2)).errno()).isEqualTo(Errno.EACCES);
    assertThat(fs.stat(Ctx.ROOT, "/home/bob/tmp/public").ino()).isEqualTo(pub);
    fs.chmod(Ctx.ROOT, "/home/bob", 0711); // search only: the path now works, so does the request
    assertThat(ask(alice, Control.cloneRequest(pub, mine, "copy", false)).errno()).isNull();
    fs.link(Ctx.ROOT, "/home/bob/tmp/public", "/home/bob/tmp/again");
    assertThat(ask(alice, Control.cloneRequest(pub, mine, "copy2", false)).message()).contains("hard links");
  }

  /** {@link Vfs#control}: one request and its answer at once, through a handle opened read-only. */
  private Control.Answer askByIoctl(Ctx ctx, String request) throws Exception {
    long ino = vfs.lookup(ctx, Meta.ROOT, Control.NAME).ino();
    long fh = vfs.open(ctx, ino, OpenFlags.O_RDONLY);
    try {
      return Control.parseAnswer(new String(vfs.control(ctx, ino, fh, request), StandardCharsets.UTF_8));
    } finally {
      vfs.release(ctx, ino, fh);
    }
  }

  @Test
  void aReadOnlyMount_takesWarmUpsOnly_byEitherWay() throws Exception {
    long a = fs.stat(Ctx.ROOT, "/d/a", false).ino();
    long s = vfs.lookup(Ctx.ROOT, vfs.lookup(Ctx.ROOT, Meta.ROOT, "d").ino(), "s").ino();
    vfs.setReadOnly(true);
    assertThat(askByIoctl(Ctx.ROOT, Control.warmupRequest(a))).isEqualTo(new Control.Answer(null, 1, "bytes=10 uncached=0"));
    long d = vfs.lookup(Ctx.ROOT, Meta.ROOT, "d").ino();
    for (Control.Answer refused : List.of(askByIoctl(Ctx.ROOT, Control.rmrRequest(d, "s")), ask(Ctx.ROOT, Control.rmrRequest(d, "s")),
        askByIoctl(Ctx.ROOT, Control.cloneRequest(a, d, "copy", false)), askByIoctl(Ctx.ROOT, Control.compactRequest(a, 2)))) {
      assertThat(refused.errno()).isEqualTo(Errno.EROFS);
    }
    assertThat(fs.stat(Ctx.ROOT, "/d/s", false).ino()).isEqualTo(s);
    assertThatThrownBy(() -> vfs.lookup(Ctx.ROOT, d, "copy")).hasMessageContaining("copy");
    vfs.setReadOnly(false);
    assertThat(askByIoctl(Ctx.ROOT, Control.rmrRequest(d, "s")).errno()).as("writable again").isNull();
  }

  @Test
  void ioctl_onAnotherFile_isEnotty() throws Exception {
    long a = fs.stat(Ctx.ROOT, "/d/a", false).ino();
    long fh = vfs.open(Ctx.ROOT, a, OpenFlags.O_RDONLY);
    try {
      assertThatThrownBy(() -> vfs.control(Ctx.ROOT, a, fh, Control.warmupRequest(a)))
          .isInstanceOfSatisfying(io.nectarfs.common.FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOTTY));
    } finally {
      vfs.release(Ctx.ROOT, a, fh);
    }
  }
}
