package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mount's /.control file on a real mount (what `nectar rmr MOUNT-PATH` uses): a shell opens it
 * read-write, writes a request and reads the answer on the same descriptor; the removal runs as
 * the writing user and the kernel forgets the removed entry at once.
 */
class ControlMountTest {
  private static final String USER = "setpriv --reuid=4321 --regid=4321 --clear-groups ";

  /** The repository's launcher, without a build (the suite built it). */
  private static final String NECTAR = "NECTAR_NO_BUILD=1 " + Path.of(System.getProperty("user.dir")).getParent().resolve("nectar");

  @TempDir Path tmp;

  private static String rmr(String as, String parent, String name) {
    return as + "bash -c 'exec 3<>.control; printf \"rmr\\t%s\\t%s\\n\" $(stat -c %i " + parent + ") " + name + " >&3; cat <&3'";
  }

  @Test
  void rmr_throughTheControlFile_asTheCaller() throws Exception {
    MountedVolume.requireFuse();
    sh(tmp, "chmod 755 " + tmp);
    // Long kernel caches: the entry must be forgotten because the mount says so, not because it timed out.
    var opts = io.nectarfs.fuse.MountOptions.builder().allowOther(true).defaultPermissions(true)
        .entryTimeout(java.time.Duration.ofMinutes(10)).attrTimeout(java.time.Duration.ofMinutes(10));
    try (MountedVolume v = MountedVolume.mount(tmp, 0, opts)) {
      Path mnt = v.mnt;
      sh(mnt, "mkdir -p d/s/t && echo x > d/a && echo y > d/s/b && ls -R d > /dev/null");
      assertThat(sh(mnt, "stat -c %a .control").trim()).isEqualTo("666");
      assertThat(sh(mnt, rmr(USER, "d", "s"))).as("another user may not remove root's files").startsWith("error\tEACCES\t");
      assertThat(sh(mnt, "test -e d/s/b && echo there").trim()).isEqualTo("there");
      assertThat(sh(mnt, rmr("", "d", "s"))).isEqualTo("ok\t3\n");
      assertThat(sh(mnt, "test -e d/s || echo gone").trim()).as("no stale kernel entry").isEqualTo("gone");
      assertThat(sh(mnt, "test -e d/s/b || echo gone").trim()).as("nor below it").isEqualTo("gone");
      assertThat(sh(mnt, "ls d").trim()).isEqualTo("a");
      sh(mnt, "mkdir mine && chown 4321:4321 mine && " + USER + "bash -c 'mkdir mine/x && touch mine/x/y'");
      assertThat(sh(mnt, rmr(USER, "mine", "x"))).isEqualTo("ok\t2\n");
    }
  }

  @Test
  void nectarRmr_ofMountPaths() throws Exception {
    MountedVolume.requireFuse();
    sh(tmp, "chmod 755 " + tmp);
    try (MountedVolume v = MountedVolume.mount(tmp)) {
      Path mnt = v.mnt;
      sh(mnt, "mkdir -p big/x/y && for i in $(seq 1 50); do echo $i > big/x/f$i; done && touch one");
      String out = sh(mnt, NECTAR + " rmr " + mnt.resolve("big") + " one");
      assertThat(out).contains("removed 54 entries under 2 path(s)");
      assertThat(sh(mnt, "ls -A | wc -l").trim()).as("nothing left in the root (the trash is hidden)").isEqualTo("0");
      sh(mnt, "mkdir -p m/sub && echo weights > m/sub/w && chmod 600 m/sub/w && setfattr -n user.k -v v m/sub/w 2>/dev/null || true");
      sh(mnt, "stat m/copy 2>/dev/null || true"); // a negative entry the clone must replace
      assertThat(sh(mnt, NECTAR + " clone " + mnt.resolve("m") + " " + mnt.resolve("copy") + " --preserve")).contains("cloned", "3 entries");
      assertThat(sh(mnt, "cat copy/sub/w && stat -c %a copy/sub/w")).isEqualTo("weights\n600\n");
      assertThat(sh(mnt, NECTAR + " clone " + mnt.resolve("m") + " " + mnt.resolve("copy") + " 2>&1; echo rc=$?")).contains("exists", "rc=1");
      sh(mnt, "rm -rf m copy && mkdir logs && for i in 1 2 3 4 5 6; do echo line $i >> logs/app.log; done && cat logs/app.log > /dev/null");
      assertThat(sh(mnt, NECTAR + " compact " + mnt.resolve("logs"))).contains("compacted 1 chunk(s) in 1 file(s): 6 slices before, 1 after");
      assertThat(sh(mnt, "cat logs/app.log")).isEqualTo("line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n");
      sh(mnt, "rm -rf logs");
      String missing = sh(mnt, NECTAR + " rmr " + mnt.resolve("nope") + " 2>&1; echo rc=$?");
      assertThat(missing).contains("nope", "no such file", "rc=1");
      String elsewhere = sh(tmp, "touch local && " + NECTAR + " rmr " + tmp.resolve("local") + " 2>&1; echo rc=$?");
      assertThat(elsewhere).contains("is not on a NectarFS mount", "rc=1");
      assertThat(tmp.resolve("local")).exists();
    }
  }

  @Test
  void nectarWarmup_ofAReadOnlyMount_andNothingElse() throws Exception {
    // A read-only mount's kernel refuses to open .control for writing: the tools send by ioctl then.
    MountedVolume.requireFuse();
    try (MountedVolume v = MountedVolume.mount(tmp)) {
      sh(v.mnt, "head -c 3000000 /dev/urandom > f");
    }
    sh(tmp, "rm -rf cache-mnt");
    var ro = io.nectarfs.fuse.MountOptions.builder().allowOther(true).defaultPermissions(true).readOnly(true);
    try (MountedVolume v = MountedVolume.remount(tmp, ro)) {
      assertThat(sh(v.mnt, "exec 3<>.control 2>&1; echo rc=$?")).as("the kernel refuses a writable open").contains("Read-only", "rc=1");
      assertThat(sh(v.mnt, NECTAR + " warmup " + v.mnt.resolve("f") + " 2>&1")).contains("warmed up 1 file(s)");
      assertThat(Long.parseLong(sh(tmp, "du -sb cache-mnt | cut -f1").trim())).as("the file's blocks are in the cache").isGreaterThan(3_000_000L);
      String rmr = sh(v.mnt, NECTAR + " rmr " + v.mnt.resolve("f") + " 2>&1; echo rc=$?");
      assertThat(rmr).contains("the mount is read-only", "rc=1");
      assertThat(v.mnt.resolve("f")).exists();
    }
  }

  @Test
  void nectarDebug_ofARealMount() throws Exception {
    MountedVolume.requireFuse();
    try (MountedVolume v = MountedVolume.mount(tmp)) {
      sh(v.mnt, "echo hello > f && cat f > /dev/null");
      String out = sh(tmp, NECTAR + " debug " + v.mnt + " --out-dir " + tmp.resolve("out"));
      assertThat(out).contains("wrote diagnostics of " + v.mnt);
      String bundle = sh(tmp, "ls -d out/nectar-debug-*").trim();
      assertThat(sh(tmp, "cat " + bundle + "/mount.txt")).contains(" " + v.mnt + " ", "fuse");
      assertThat(sh(tmp, "cat " + bundle + "/stats.prom")).contains("nectar_");
      assertThat(sh(tmp, "cat " + bundle + "/config.json")).contains("\"volume\"");
      assertThat(sh(tmp, "stat -c %a " + bundle + " " + bundle + "/stats.prom")).isEqualTo("700\n600\n");
    }
  }
}
