package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_RDWR;
import static io.nectarfs.common.OpenFlags.O_TRUNC;
import static io.nectarfs.common.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.SetAttr;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The privilege rule of the VFS (the {@link Vfs} contract), for every front end: a write,
 * truncate, O_TRUNC open or chown drops setuid (setgid when group-executable) when the caller lacks
 * CAP_FSETID, and {@code security.capability} always. On the in-memory engine.
 */
class PrivilegesTest {
  private static final Ctx ALICE = new Ctx(1000, 1000, new int[] {1000}, 0);
  private static final String CAP = "security.capability";
  private static final byte[] CAP_VALUE = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  @TempDir Path tmp;
  private VfsHarness.Client client;
  private Vfs vfs;

  @BeforeEach
  void open() throws IOException {
    client = VfsHarness.memory(tmp).client();
    vfs = client.vfs();
  }

  @AfterEach
  void close() throws IOException {
    client.close();
  }

  /** A root-owned file anyone may write, with {@code mode} and a capability. */
  private long privileged(String name, int mode) throws IOException {
    var o = vfs.create(Ctx.ROOT, Meta.ROOT, name, 0666, 0, O_RDWR);
    vfs.write(Ctx.ROOT, o.entry().ino(), o.fh(), 0, ByteBuffer.wrap(new byte[8192]));
    vfs.release(Ctx.ROOT, o.entry().ino(), o.fh());
    long ino = o.entry().ino();
    vfs.setattr(Ctx.ROOT, ino, 0, new SetAttr(SetAttr.MODE, mode, 0, 0, 0, 0, 0, 0, false));
    vfs.setxattr(Ctx.ROOT, ino, CAP, CAP_VALUE, 0);
    return ino;
  }

  private void write(Ctx ctx, long ino, boolean dropSuidGid) throws IOException {
    long fh = vfs.open(ctx, ino, O_WRONLY);
    vfs.write(ctx, ino, fh, 10, ByteBuffer.wrap(new byte[] {1}), dropSuidGid);
    vfs.release(ctx, ino, fh);
  }

  private String state(long ino) throws IOException {
    String cap;
    try {
      vfs.getxattr(Ctx.ROOT, ino, CAP);
      cap = "cap";
    } catch (FsException e) {
      assertThat(e.errno()).isEqualTo(Errno.ENODATA);
      cap = "nocap";
    }
    return Integer.toOctalString(vfs.getattr(Ctx.ROOT, ino).mode() & 07777) + " " + cap;
  }

  @Test
  void writeByAnotherUser_dropsSetuidSetgidAndCapability() throws IOException {
    long ino = privileged("f", 06777);
    long fh = vfs.open(ALICE, ino, O_WRONLY);
    vfs.write(ALICE, ino, fh, 0, ByteBuffer.wrap(new byte[] {1})); // the file API's call: "not root"
    vfs.release(ALICE, ino, fh);
    assertThat(state(ino)).isEqualTo("777 nocap");
  }

  @Test
  void setgidWithoutGroupExecute_marksLocking_andStays() throws IOException {
    long ino = privileged("f", 06767);
    write(ALICE, ino, true);
    assertThat(state(ino)).isEqualTo("2767 nocap");
  }

  @Test
  void writeByRoot_keepsSetuidSetgid_butNotTheCapability_unlessTheKernelSaysItLacksCapFsetid() throws IOException {
    long ino = privileged("f", 06777);
    write(Ctx.ROOT, ino, false);
    assertThat(state(ino)).isEqualTo("6777 nocap");
    vfs.setxattr(Ctx.ROOT, ino, CAP, CAP_VALUE, 0);
    write(Ctx.ROOT, ino, true); // FUSE_WRITE_KILL_SUIDGID: root in a namespace without CAP_FSETID
    assertThat(state(ino)).isEqualTo("777 nocap");
  }

  @Test
  void truncateByAnotherUser_dropsBoth() throws IOException {
    long ino = privileged("f", 06777);
    vfs.setattr(ALICE, ino, 0, SetAttr.truncate(3));
    assertThat(state(ino)).isEqualTo("777 nocap");
    assertThat(vfs.getattr(Ctx.ROOT, ino).length()).isEqualTo(3);
  }

  @Test
  void truncateByRoot_dropsTheCapabilityOnly() throws IOException {
    long ino = privileged("f", 06777);
    vfs.setattr(Ctx.ROOT, ino, 0, SetAttr.truncate(3));
    assertThat(state(ino)).isEqualTo("6777 nocap");
  }

  @Test
  void openWithOTruncByAnotherUser_dropsBoth() throws IOException {
    long ino = privileged("f", 06777);
    long fh = vfs.open(ALICE, ino, O_WRONLY | O_TRUNC);
    vfs.release(ALICE, ino, fh);
    assertThat(state(ino)).isEqualTo("777 nocap");
    assertThat(vfs.getattr(Ctx.ROOT, ino).length()).isZero();
  }

  @Test
  void chown_dropsTheCapability_andTheKernelsFlagDropsSetidEvenForRoot() throws IOException {
    long ino = privileged("f", 06777);
    vfs.setattr(Ctx.ROOT, ino, 0, new SetAttr(SetAttr.UID | SetAttr.GID, 0, 1000, 1000, 0, 0, 0, 0, false));
    assertThat(state(ino)).as("the metadata's chown rule: a new owner drops setuid/setgid").isEqualTo("777 nocap");
    long same = privileged("g", 06777);
    vfs.setattr(Ctx.ROOT, same, 0, new SetAttr(SetAttr.UID, 0, 0, 0, 0, 0, 0, 0, false), true); // FATTR_KILL_SUIDGID
    assertThat(state(same)).isEqualTo("777 nocap");
  }

  @Test
  void writeThroughAHandleOpenedBeforeTheWritePermissionWent_stillDropsThem() throws IOException {
    long ino = privileged("f", 06777);
    long fh = vfs.open(ALICE, ino, O_WRONLY);
    vfs.setattr(Ctx.ROOT, ino, 0, new SetAttr(SetAttr.MODE, 06755, 0, 0, 0, 0, 0, 0, false));
    vfs.write(ALICE, ino, fh, 0, ByteBuffer.wrap(new byte[] {1}));
    vfs.release(ALICE, ino, fh);
    assertThat(state(ino)).isEqualTo("755 nocap");
  }

  @Test
  void failedTruncate_dropsNothing() throws IOException {
    long ino = privileged("f", 06755); // not writable by others
    assertThatThrownBy(() -> vfs.setattr(ALICE, ino, 0, SetAttr.truncate(0))).isInstanceOf(FsException.class)
        .extracting(e -> ((FsException) e).errno()).isEqualTo(Errno.EACCES);
    assertThat(state(ino)).isEqualTo("6755 cap");
  }

  @Test
  void privilegesSetAfterAWrite_areDroppedByTheNext() throws IOException {
    var o = vfs.create(ALICE, Meta.ROOT, "mine", 0666, 0, O_RDWR);
    long ino = o.entry().ino();
    vfs.write(ALICE, ino, o.fh(), 0, ByteBuffer.wrap(new byte[] {1}));
    vfs.setattr(Ctx.ROOT, ino, 0, new SetAttr(SetAttr.MODE, 04777, 0, 0, 0, 0, 0, 0, false));
    vfs.setxattr(Ctx.ROOT, ino, CAP, CAP_VALUE, 0);
    assertThat(state(ino)).isEqualTo("4777 cap");
    vfs.write(ALICE, ino, o.fh(), 1, ByteBuffer.wrap(new byte[] {2}));
    assertThat(state(ino)).as("this client's chmod and setxattr are seen at once").isEqualTo("777 nocap");
    vfs.release(ALICE, ino, o.fh());
  }
}
