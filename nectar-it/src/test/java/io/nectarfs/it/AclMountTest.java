package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.fuse.MountOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POSIX ACLs through the mount with setfacl/getfacl, behaving as on a local directory. */
class AclMountTest {
  @TempDir Path tmp;

  @Test
  void setfaclGetfacl_andEnforcement_matchALocalDirectory() throws Exception {
    try (MountedVolume v = MountedVolume.mountWithAcl(tmp.resolve("vol"), MountOptions.builder().allowOther(true).posixAcl(true).defaultPermissions(true))) {
      Path local = Files.createDirectories(tmp.resolve("local"));
      String script = "mkdir -p acl && chmod 0750 acl && setfacl -m u:4321:rwx,g:4322:r-x acl && setfacl -d -m u:4321:rw- acl"
          + " && touch acl/inherited && chmod 0640 acl && setfacl -m m::r-x acl"
          + " && getfacl -p acl acl/inherited | grep -v '^# file'"
          + " && (setpriv --reuid=4321 --regid=9999 --clear-groups touch acl/byuser 2>&1 && echo created || echo denied)"
          + " && (setpriv --reuid=4323 --regid=9999 --clear-groups ls acl >/dev/null 2>&1 && echo listed || echo denied)";
      String onMount = sh(v.mnt, script);
      String onLocal = sh(local, script);
      assertThat(onMount).isEqualTo(onLocal);
      assertThat(onMount).contains("user:4321:rwx", "default:user:4321:rw-", "denied");
      // rsync -aHAX keeps ACLs, xattrs, hard links and times, both ways.
      sh(local, "mkdir -p tree && echo a > tree/f && ln tree/f tree/h && setfacl -m u:4321:r-- tree/f && setfattr -n user.k -v v tree/f && touch -d 2021-02-03 tree/f");
      sh(v.mnt, "rsync -aHAX " + local.resolve("tree") + "/ rs/ && rsync -aHAX rs/ " + tmp.resolve("back") + "/");
      for (Path root : new Path[] {v.mnt.resolve("rs"), tmp.resolve("back")}) {
        String st = sh(root, "getfacl -p f | grep 4321; getfattr --only-values -n user.k f; echo; stat -c '%h %Y' f");
        assertThat(st).as(root.toString()).contains("user:4321:r--", "v", "2 1612310400");
      }
    }
  }
}
