package io.nectarfs.testkit.meta;

import static io.nectarfs.common.OpenFlags.O_RDONLY;
import static io.nectarfs.common.OpenFlags.O_TRUNC;
import static io.nectarfs.common.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.Slice;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The permission matrix: for each operation, which of the owner (alice), a member of the owning
 * group (carol), another user (bob) and root may do it, and which errno the others get, as Linux
 * answers (EACCES for missing rwx permission, EPERM for owner-only or root-only changes and the
 * sticky bit). Outcomes of all four callers are compared at once, so a failure shows the row.
 */
public abstract class PermissionSuite extends MetaTestBase {
  /** uid 1002, in alice's group 1000 through a supplementary group. */
  protected final Ctx carol = new Ctx(1002, 1002, new int[] {1002, 1000}, 3);
  private final AtomicInteger seq = new AtomicInteger();
  /** alice:1000, 0770: the group may create and remove, others nothing. */
  private long dir;
  /** alice:1000, 0640 in {@link #dir}. */
  private long file;

  @FunctionalInterface
  protected interface Op {
    void run(Ctx ctx) throws IOException;
  }

  @BeforeEach
  void tree() throws IOException {
    dir = meta.mkdir(alice, ROOT, "shared", 0770, 0).ino();
    file = meta.mknod(alice, dir, "f", FileType.FILE, 0640, 0, 0).ino();
  }

  private String outcome(Ctx ctx, Op op) throws IOException {
    try {
      op.run(ctx);
      return "ok";
    } catch (FsException e) {
      return e.errno().name();
    }
  }

  /** Asserts the outcome for alice (owner), carol (group), bob (other) and root, in that order ("ok" or an errno name). */
  protected void matrix(String what, Op op, String owner, String group, String other, String rootOutcome) throws IOException {
    List<String> got = new ArrayList<>();
    for (Ctx c : List.of(alice, carol, bob, root)) {
      got.add(outcome(c, op));
    }
    assertThat(got).as(what + " for owner, group, other, root").containsExactly(owner, group, other, rootOutcome);
  }

  private String fresh() {
    return "n" + seq.incrementAndGet();
  }

  @Test
  void access_followsModeBitsAndGroups() throws IOException {
    matrix("access R", c -> meta.access(c, file, Meta.R_OK), "ok", "ok", "EACCES", "ok");
    matrix("access W", c -> meta.access(c, file, Meta.W_OK), "ok", "EACCES", "EACCES", "ok");
    matrix("access X (no x bit: not even root)", c -> meta.access(c, file, Meta.X_OK), "EACCES", "EACCES", "EACCES", "EACCES");
    matrix("access F", c -> meta.access(c, file, Meta.F_OK), "ok", "ok", "ok", "ok");
    matrix("access RWX on the dir", c -> meta.access(c, dir, 7), "ok", "ok", "EACCES", "ok");
    meta.setattr(root, file, SetAttr.chmod(0604));
    matrix("owner bits win even when other has more", c -> meta.access(c, file, Meta.R_OK), "ok", "EACCES", "ok", "ok");
    meta.setattr(root, file, SetAttr.chmod(0641));
    matrix("root executes when any x bit is set", c -> meta.access(c, file, Meta.X_OK), "EACCES", "EACCES", "ok", "ok");
    assertErrno(Errno.ENOENT, () -> meta.access(alice, 999_999, Meta.F_OK));
  }

  @Test
  void open_needsTheModeOfItsFlags() throws IOException {
    matrix("open O_RDONLY", c -> {
      meta.open(c, file, O_RDONLY);
      meta.close(c, file);
    }, "ok", "ok", "EACCES", "ok");
    matrix("open O_WRONLY", c -> {
      meta.open(c, file, O_WRONLY);
      meta.close(c, file);
    }, "ok", "EACCES", "EACCES", "ok");
    matrix("open O_RDONLY|O_TRUNC", c -> {
      meta.open(c, file, O_TRUNC);
      meta.close(c, file);
    }, "ok", "EACCES", "EACCES", "ok");
  }

  @Test
  void namespace_needsWriteAndSearchOnTheDirectory() throws IOException {
    matrix("lookup", c -> meta.lookup(c, dir, "f"), "ok", "ok", "EACCES", "ok");
    matrix("readdir", c -> meta.readdir(c, dir, "", 10, false), "ok", "ok", "EACCES", "ok");
    matrix("mknod", c -> meta.mknod(c, dir, fresh(), FileType.FILE, 0644, 0, 0), "ok", "ok", "EACCES", "ok");
    matrix("mkdir", c -> meta.mkdir(c, dir, fresh(), 0755, 0), "ok", "ok", "EACCES", "ok");
    matrix("symlink", c -> meta.symlink(c, dir, fresh(), "t"), "ok", "ok", "EACCES", "ok");
    matrix("link", c -> meta.link(c, file, dir, fresh()), "ok", "ok", "EACCES", "ok");
    matrix("unlink", c -> {
      String n = fresh();
      meta.mknod(root, dir, n, FileType.FILE, 0644, 0, 0);
      try {
        meta.unlink(c, dir, n);
      } finally {
        try {
          meta.unlink(root, dir, n);
        } catch (FsException ignored) {
          // removed by the caller
        }
      }
    }, "ok", "ok", "EACCES", "ok");
    matrix("rmdir", c -> {
      String n = fresh();
      meta.mkdir(root, dir, n, 0755, 0);
      try {
        meta.rmdir(c, dir, n);
      } finally {
        try {
          meta.rmdir(root, dir, n);
        } catch (FsException ignored) {
          // removed by the caller
        }
      }
    }, "ok", "ok", "EACCES", "ok");
    matrix("rename within", c -> {
      String n = fresh();
      meta.mknod(root, dir, n, FileType.FILE, 0644, 0, 0);
      meta.rename(c, dir, n, dir, n + "x", 0);
    }, "ok", "ok", "EACCES", "ok");
    long open = meta.mkdir(root, ROOT, "open", 0777, 0).ino();
    matrix("rename out of the directory", c -> {
      String n = fresh();
      meta.mknod(root, dir, n, FileType.FILE, 0644, 0, 0);
      meta.rename(c, dir, n, open, n, 0);
    }, "ok", "ok", "EACCES", "ok");
    matrix("rename into the directory", c -> {
      String n = fresh();
      meta.mknod(root, open, n, FileType.FILE, 0644, 0, 0);
      meta.rename(c, open, n, dir, n, 0);
    }, "ok", "ok", "EACCES", "ok");
    long sub = meta.mkdir(alice, open, "sub", 0755, 0).ino();
    matrix("move a directory needs write on it ('..' changes)", c -> {
      String n = fresh();
      meta.rename(c, open, "sub", open, n, 0);
      meta.rename(root, open, n, open, "sub", 0);
      long other = meta.mkdir(root, open, fresh(), 0777, 0).ino();
      meta.rename(c, open, "sub", other, "sub", 0);
      meta.rename(root, other, "sub", open, "sub", 0);
    }, "ok", "EACCES", "EACCES", "ok");
    assertThat(meta.lookup(root, open, "sub").ino()).isEqualTo(sub);
    matrix("clone needs read on the source and write on the parent", c -> meta.clone(c, file, open, fresh()), "ok", "ok", "EACCES", "ok");
  }

  @Test
  void setattr_ownerOnlyAndRootOnlyChanges() throws IOException {
    matrix("chmod", c -> meta.setattr(c, file, SetAttr.chmod(0640)), "ok", "EPERM", "EPERM", "ok");
    matrix("chown uid", c -> meta.setattr(c, file, SetAttr.chown(1000, -1)), "ok", "EPERM", "EPERM", "ok");
    matrix("chown to another uid", c -> {
      meta.setattr(c, file, SetAttr.chown(1001, -1));
      meta.setattr(root, file, SetAttr.chown(1000, -1));
    }, "EPERM", "EPERM", "EPERM", "ok");
    matrix("chgrp to a group of the caller", c -> {
      meta.setattr(c, file, SetAttr.chown(-1, 50));
      meta.setattr(root, file, SetAttr.chown(-1, 1000));
    }, "ok", "EPERM", "EPERM", "ok");
    matrix("explicit times", c -> meta.setattr(c, file, SetAttr.utimes(1, 2)), "ok", "EPERM", "EPERM", "ok");
    matrix("times to now needs write", c -> meta.setattr(c, file, SetAttr.touchNow()), "ok", "EACCES", "EACCES", "ok");
    matrix("truncate needs write", c -> meta.setattr(c, file, SetAttr.truncate(0)), "ok", "EACCES", "EACCES", "ok");
    meta.setattr(root, file, SetAttr.chmod(0660));
    matrix("truncate by a group writer", c -> meta.setattr(c, file, SetAttr.truncate(0)), "ok", "ok", "EACCES", "ok");
  }

  @Test
  void chmodAndChown_clearSetIdBitsAsLinux() throws IOException {
    meta.setattr(alice, file, SetAttr.chmod(02755));
    assertThat(meta.getattr(root, file).mode()).as("owner in the group keeps setgid").isEqualTo(02755);
    long bobs = meta.mknod(bob, ROOT, "bobs", FileType.FILE, 0644, 0, 0).ino();
    meta.setattr(root, bobs, SetAttr.chown(-1, 1000));
    meta.setattr(bob, bobs, SetAttr.chmod(02755));
    assertThat(meta.getattr(root, bobs).mode()).as("chmod by a non-member drops setgid").isEqualTo(0755);
    meta.setattr(alice, file, SetAttr.chmod(06755));
    meta.setattr(alice, file, SetAttr.chown(-1, 50));
    assertThat(meta.getattr(root, file).mode()).as("chown by the owner clears setuid and setgid (group-exec)").isEqualTo(0755);
    meta.setattr(root, file, SetAttr.chmod(06755));
    meta.setattr(root, file, SetAttr.chown(1001, -1));
    assertThat(meta.getattr(root, file).mode()).as("chown by root to another owner clears them too").isEqualTo(0755);
    long id = meta.newSliceId();
    meta.setattr(root, file, SetAttr.chmod(04766));
    meta.write(root, file, 0, new Slice(0, id, 10, 0, 10), 1);
    meta.setattr(bob, file, SetAttr.truncate(3));
    assertThat(meta.getattr(root, file).mode()).as("truncate by a non-root writer clears setuid").isEqualTo(0766);
  }

  @Test
  void stickyDirectory_onlyOwnersRemoveOrRename() throws IOException {
    long tmp = meta.mkdir(root, ROOT, "tmp", 01777, 0).ino();
    matrix("unlink another's file in a sticky dir", c -> {
      String n = fresh();
      meta.mknod(alice, tmp, n, FileType.FILE, 0666, 0, 0);
      meta.unlink(c, tmp, n);
    }, "ok", "EPERM", "EPERM", "ok");
    matrix("rename another's file out of a sticky dir", c -> {
      String n = fresh();
      meta.mknod(alice, tmp, n, FileType.FILE, 0666, 0, 0);
      meta.rename(c, tmp, n, tmp, n + "-moved", 0);
    }, "ok", "EPERM", "EPERM", "ok");
    matrix("replace another's file in a sticky dir", c -> {
      String n = fresh();
      meta.mknod(alice, tmp, n, FileType.FILE, 0666, 0, 0);
      String mine = fresh();
      meta.mknod(c, tmp, mine, FileType.FILE, 0666, 0, 0);
      meta.rename(c, tmp, mine, tmp, n, 0);
    }, "ok", "EPERM", "EPERM", "ok");
    matrix("rmdir another's directory in a sticky dir", c -> {
      String n = fresh();
      meta.mkdir(alice, tmp, n, 0777, 0);
      meta.rmdir(c, tmp, n);
    }, "ok", "EPERM", "EPERM", "ok");
    long carols = meta.mkdir(carol, ROOT, "carols", 01777, 0).ino();
    meta.mknod(alice, carols, "a", FileType.FILE, 0666, 0, 0);
    meta.unlink(carol, carols, "a"); // the directory's owner may
    matrix("user.* xattrs of a sticky directory are the owner's", c -> meta.setxattr(c, tmp, "user.k", new byte[1], 0), "EPERM", "EPERM", "EPERM", "ok");
  }

  @Test
  void setgidDirectory_passesItsGroupOn() throws IOException {
    long sg = meta.mkdir(alice, ROOT, "sg", 0777, 0).ino();
    meta.setattr(alice, sg, SetAttr.chown(-1, 50));
    meta.setattr(alice, sg, SetAttr.chmod(02777));
    Attr f = meta.mknod(bob, sg, "f", FileType.FILE, 0644, 0, 0).attr();
    assertThat(f.gid()).as("file takes the directory's group").isEqualTo(50);
    assertThat(f.mode()).isEqualTo(0644);
    Attr d = meta.mkdir(bob, sg, "d", 0755, 0).attr();
    assertThat(d.gid()).isEqualTo(50);
    assertThat(d.mode()).as("subdirectories inherit setgid").isEqualTo(02755);
    Attr x = meta.mknod(bob, sg, "x", FileType.FILE, 02755, 0, 0).attr();
    assertThat(x.mode()).as("a non-member's setgid executable loses setgid").isEqualTo(0755);
    Attr y = meta.mknod(alice, sg, "y", FileType.FILE, 02755, 0, 0).attr();
    assertThat(y.mode()).as("a member keeps it").isEqualTo(02755);
    Attr z = meta.mknod(bob, sg, "z", FileType.FILE, 02644, 0, 0).attr();
    assertThat(z.mode()).as("setgid without group-exec (mandatory locking) stays").isEqualTo(02644);
  }

  @Test
  void umask_appliesToCreate() throws IOException {
    assertThat(meta.mknod(alice, ROOT, "u1", FileType.FILE, 0666, 022, 0).attr().mode()).isEqualTo(0644);
    assertThat(meta.mkdir(alice, ROOT, "u2", 0777, 077).attr().mode()).isEqualTo(0700);
    assertThat(meta.symlink(alice, ROOT, "u3", "t").attr().mode()).as("symlinks are 0777").isEqualTo(0777);
  }

  @Test
  void devicesAndXattrs_rootOnlyAndPermissionChecked() throws IOException {
    matrix("mknod a device", c -> meta.mknod(c, dir, fresh(), FileType.CHAR, 0644, 0, 0x0103), "EPERM", "EPERM", "EPERM", "ok");
    matrix("mknod a FIFO", c -> meta.mknod(c, dir, fresh(), FileType.FIFO, 0644, 0, 0), "ok", "ok", "EACCES", "ok");
    meta.setxattr(root, file, "user.k", new byte[] {1}, 0);
    matrix("getxattr user.* needs read", c -> meta.getxattr(c, file, "user.k"), "ok", "ok", "EACCES", "ok");
    matrix("setxattr user.* needs write", c -> meta.setxattr(c, file, "user.k", new byte[] {2}, 0), "ok", "EACCES", "EACCES", "ok");
    matrix("removexattr user.* needs write", c -> {
      meta.setxattr(root, file, "user.r", new byte[] {2}, 0);
      meta.removexattr(c, file, "user.r");
    }, "ok", "EACCES", "EACCES", "ok");
    matrix("trusted.* is root's", c -> meta.setxattr(c, file, "trusted.k", new byte[] {2}, 0), "EPERM", "EPERM", "EPERM", "ok");
    assertThat(meta.listxattr(alice, file)).as("trusted.* hidden from users").containsExactly("user.k");
    long link = meta.symlink(root, dir, "l", "f").ino();
    matrix("user.* on a symlink", c -> meta.setxattr(c, link, "user.k", new byte[1], 0), "EPERM", "EPERM", "EPERM", "EPERM");
  }

  @Test
  void locksAndReads_needNoPermissionBeyondTheHandle() throws IOException {
    matrix("getattr", c -> meta.getattr(c, file), "ok", "ok", "ok", "ok");
    long link = meta.symlink(root, ROOT, "l", "target").ino();
    matrix("readlink", c -> meta.readlink(c, link), "ok", "ok", "ok", "ok");
    matrix("statfs", c -> meta.statfs(c, file), "ok", "ok", "ok", "ok");
  }
}
