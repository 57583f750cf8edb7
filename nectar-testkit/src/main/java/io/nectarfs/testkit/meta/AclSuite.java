package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.AclRule;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.SetAttr;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * POSIX ACLs on a volume formatted with ACLs enabled. The expected ACLs and permission answers
 * come from {@code setfacl}/{@code getfacl} on ext4/xfs (recorded below); when this process is
 * root on a file system with ACLs, each test first re-derives them from the local kernel, so the
 * recorded values cannot drift from Linux.
 */
public abstract class AclSuite extends MetaTestBase {
  static final String ACCESS = "system.posix_acl_access";
  static final String DEFAULT = "system.posix_acl_default";
  /** setfacl -m u:1000:rwx,g:50:r-x,d:u:1001:rw-,d:g:1000:r-x on a 0755 directory: */
  static final String DIR_ACCESS = "user::rwx,user:1000:rwx,group::r-x,group:50:r-x,mask::rwx,other::r-x";
  static final String DIR_DEFAULT = "user::rwx,user:1001:rw-,group::r-x,group:1000:r-x,mask::rwx,other::r-x";
  /** ... then touch d/f with umask 022 (ignored: the default ACL rules) gives mode 0664 and: */
  static final String FILE_ACCESS = "user::rw-,user:1001:rw-,group::r-x,group:1000:r-x,mask::rw-,other::r--";
  /** ... then chmod 640 d/f: */
  static final String FILE_AFTER_CHMOD = "user::rw-,user:1001:rw-,group::r-x,group:1000:r-x,mask::r--,other::---";

  @Override
  protected Format newFormat() {
    return super.newFormat().withEnableAcl(true);
  }

  private Path localDir() throws IOException {
    Path d = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "nectar-acl-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
    return d;
  }

  private static byte[] bytes(String text) {
    return LocalAcl.encode(text);
  }

  @Test
  void inheritanceAndChmod_matchLinux() throws IOException {
    Path scratch = localDir();
    if (LocalAcl.available(scratch)) {
      Path d = Files.createDirectory(scratch.resolve("d"));
      LocalAcl.run(null, "chmod", "0755", d.toString());
      LocalAcl.run(null, "setfacl", "-m", "u:1000:rwx,g:50:r-x,d:u:1001:rw-,d:g:1000:r-x", d.toString());
      assertThat(LocalAcl.getfacl(d, false)).isEqualTo(DIR_ACCESS);
      assertThat(LocalAcl.getfacl(d, true)).isEqualTo(DIR_DEFAULT);
      assertThat(LocalAcl.xattr(d, ACCESS)).as("kernel encoding").isEqualTo(bytes(DIR_ACCESS));
      LocalAcl.run(d, "sh", "-c", "umask 022; touch f; mkdir s");
      assertThat(LocalAcl.getfacl(d.resolve("f"), false)).isEqualTo(FILE_ACCESS);
      assertThat(LocalAcl.run(null, "stat", "-c", "%a", d.resolve("f").toString()).strip()).isEqualTo("664");
      assertThat(LocalAcl.getfacl(d.resolve("s"), false)).isEqualTo(DIR_DEFAULT);
      assertThat(LocalAcl.getfacl(d.resolve("s"), true)).isEqualTo(DIR_DEFAULT);
      LocalAcl.run(null, "chmod", "640", d.resolve("f").toString());
      assertThat(LocalAcl.getfacl(d.resolve("f"), false)).isEqualTo(FILE_AFTER_CHMOD);
    }
    long d = meta.mkdir(root, ROOT, "d", 0755, 0).ino();
    meta.setxattr(root, d, ACCESS, bytes(DIR_ACCESS), 0);
    meta.setxattr(root, d, DEFAULT, bytes(DIR_DEFAULT), 0);
    assertThat(meta.getattr(root, d).mode()).as("mode group bits show the mask").isEqualTo(0775);
    assertThat(meta.getxattr(root, d, ACCESS)).isEqualTo(bytes(DIR_ACCESS));
    assertThat(meta.getxattr(root, d, DEFAULT)).isEqualTo(bytes(DIR_DEFAULT));
    assertThat(meta.listxattr(root, d)).contains(ACCESS, DEFAULT);

    Attr f = meta.mknod(root, d, "f", FileType.FILE, 0666, 022, 0).attr();
    assertThat(f.mode()).as("umask ignored under a default ACL").isEqualTo(0664);
    long fi = meta.lookup(root, d, "f").ino();
    assertThat(f.accessAcl()).isNotZero();
    assertThat(meta.getxattr(root, fi, ACCESS)).isEqualTo(bytes(FILE_ACCESS));
    assertErrno(Errno.ENODATA, () -> meta.getxattr(root, fi, DEFAULT));
    long s = meta.mkdir(root, d, "s", 0777, 022).ino();
    assertThat(meta.getattr(root, s).mode()).isEqualTo(0775);
    assertThat(meta.getxattr(root, s, ACCESS)).isEqualTo(bytes(DIR_DEFAULT));
    assertThat(meta.getxattr(root, s, DEFAULT)).isEqualTo(bytes(DIR_DEFAULT));

    meta.setattr(root, fi, SetAttr.chmod(0640));
    assertThat(meta.getxattr(root, fi, ACCESS)).isEqualTo(bytes(FILE_AFTER_CHMOD));
    assertThat(meta.getattr(root, fi).mode()).isEqualTo(0640);
    assertThat(meta.getattr(root, s).accessAcl()).as("identical ACLs are stored once").isEqualTo(meta.getattr(root, s).defaultAcl());
  }

  @Test
  void permissionChecks_followTheAclAlgorithm() throws IOException {
    String acl = "user::rw-,user:1001:rw-,group::r--,group:50:rw-,mask::rw-,other::---";
    List<Ctx> who = List.of(
        new Ctx(1000, 1000, new int[] {1000}, 1), // owner
        new Ctx(1001, 1001, new int[] {1001}, 2), // named user
        new Ctx(1002, 1002, new int[] {1002, 1000}, 3), // owning group
        new Ctx(1003, 1003, new int[] {50}, 4), // named group
        new Ctx(1004, 1004, new int[] {1004}, 5)); // other
    // Answers of the kernel for -r and -w, before and after chmod 0640 (mask r--):
    List<Boolean> expected = new ArrayList<>(List.of(
        true, true, true, true, true, false, true, true, false, false,
        true, true, true, false, true, false, true, false, false, false));
    Path scratch = localDir();
    Path lf = scratch.resolve("f");
    boolean local = LocalAcl.available(scratch);
    if (local) {
      Files.createFile(lf);
      LocalAcl.run(null, "chown", "1000:1000", lf.toString());
      LocalAcl.run(null, "setfacl", "--set", acl, lf.toString());
      assertThat(LocalAcl.xattr(lf, ACCESS)).isEqualTo(bytes(acl));
    }
    long f = meta.mknod(root, ROOT, "f", FileType.FILE, 0600, 0, 0).ino();
    meta.setattr(root, f, SetAttr.chown(1000, 1000));
    meta.setxattr(root, f, ACCESS, bytes(acl), 0);
    List<Boolean> got = new ArrayList<>();
    List<Boolean> kernel = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      if (round == 1) {
        meta.setattr(root, f, SetAttr.chmod(0640));
        if (local) {
          LocalAcl.run(null, "chmod", "0640", lf.toString());
        }
      }
      for (Ctx c : who) {
        for (int mask : new int[] {Meta.R_OK, Meta.W_OK}) {
          boolean ok;
          try {
            meta.access(c, f, mask);
            ok = true;
          } catch (FsException e) {
            assertThat(e.errno()).isEqualTo(Errno.EACCES);
            ok = false;
          }
          got.add(ok);
          if (local) {
            kernel.add(LocalAcl.allowed(lf, c.uid(), c.gid(), c.gids(), mask == Meta.R_OK ? "-r" : "-w"));
          }
        }
      }
    }
    if (local) {
      assertThat(kernel).as("recorded kernel answers").isEqualTo(expected);
    }
    assertThat(got).isEqualTo(expected);
  }

  @Test
  void setAndRemove_ownerOnly_validated() throws IOException {
    long f = meta.mknod(alice, ROOT, "f", FileType.FILE, 0644, 0, 0).ino();
    String acl = "user::rw-,user:1001:r--,group::r--,mask::r--,other::r--";
    assertErrno(Errno.EPERM, () -> meta.setxattr(bob, f, ACCESS, bytes(acl), 0));
    meta.setxattr(alice, f, ACCESS, bytes(acl), 0);
    assertThat(AclRule.fromXattr(meta.getxattr(bob, f, ACCESS)).toText()).isEqualTo(acl);
    assertErrno(Errno.EINVAL, () -> meta.setxattr(alice, f, ACCESS, bytes("user::rw-,user:1001:r--,group::r--,other::r--"), 0));
    assertErrno(Errno.EINVAL, () -> meta.setxattr(alice, f, ACCESS, new byte[] {2, 0, 0, 0, 1}, 0));
    assertErrno(Errno.EACCES, () -> meta.setxattr(alice, f, DEFAULT, bytes(acl), 0));
    meta.setxattr(alice, f, ACCESS, bytes("user::rwx,group::r-x,other::---"), 0);
    assertThat(meta.getattr(root, f).mode()).as("a minimal ACL is just the mode").isEqualTo(0750);
    assertErrno(Errno.ENODATA, () -> meta.getxattr(alice, f, ACCESS));
    meta.setxattr(alice, f, ACCESS, bytes(acl), 0);
    meta.removexattr(alice, f, ACCESS);
    assertErrno(Errno.ENODATA, () -> meta.getxattr(alice, f, ACCESS));
    assertThat(meta.listxattr(alice, f)).doesNotContain(ACCESS);
  }

  @Test
  void aclRule_textAndXattrRoundTrip() throws IOException {
    AclRule r = AclRule.fromXattr(bytes(FILE_ACCESS));
    assertThat(r.toText()).isEqualTo(FILE_ACCESS);
    assertThat(r.toXattr()).isEqualTo(bytes(FILE_ACCESS));
    assertThat(r.chmod(0640).toText()).isEqualTo(FILE_AFTER_CHMOD);
  }

  /** A volume without ACLs refuses them. */
  @Test
  void disabledVolume_refusesAcls() throws IOException {
    engine.reset();
    MetaClient.format(engine, super.newFormat(), true, clock);
    MetaClient plain = newClient();
    long f = plain.mknod(root, ROOT, "f", FileType.FILE, 0644, 0, 0).ino();
    assertErrno(Errno.EOPNOTSUPP, () -> plain.setxattr(root, f, ACCESS, bytes(FILE_ACCESS), 0));
    plain.close();
    meta.close();
  }
}
