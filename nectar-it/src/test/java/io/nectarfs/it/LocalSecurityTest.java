package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local security through the launcher, checked as a second, unprivileged local user (uid 4321):
 * private disk cache, private SQLite files, the new volume's root directory, secrets out of the
 * process list, and bad input reported as one line with the right exit code.
 */
class LocalSecurityTest {
  private static final String USER = "setpriv --reuid=4321 --regid=4321 --clear-groups ";

  @TempDir Path tmp;
  private Path mnt;
  private String nectar;

  @BeforeEach
  void setUp() throws Exception {
    MountedVolume.requireFuse();
    // The test's own temp dir must not be what keeps the second user out.
    sh(tmp, "chmod 755 " + tmp);
    mnt = Files.createDirectories(tmp.resolve("mnt"));
    nectar = "NECTAR_NO_BUILD=1 " + Path.of(System.getProperty("user.dir")).getParent().resolve("nectar");
  }

  @AfterEach
  void unmount() throws Exception {
    sh(tmp, "if grep -q ' " + mnt + " ' /proc/mounts; then " + nectar + " umount " + mnt + "; fi");
  }

  private record Result(int rc, String out) {}

  private static Result run(Path dir, String command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("bash", "-c", command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out);
  }

  /** Runs {@code command} until its trimmed output equals {@code expected} (generous deadline for a busy machine). */
  private void await(String command, String expected) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
    String last;
    do {
      last = run(tmp, command).out().trim();
      if (last.equals(expected)) {
        return;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("`" + command + "` still gives '" + last + "', expected '" + expected + "'");
  }

  private String format(String meta, String name, String extra) throws Exception {
    return sh(tmp, nectar + " format " + meta + " " + name + " --storage file://" + tmp.resolve("data") + " --trash-days 0 " + extra);
  }

  private String mount(String meta, String extra) throws Exception {
    return sh(tmp, nectar + " mount -d " + meta + " " + mnt + " --log " + tmp.resolve("mount.log") + " " + extra);
  }

  @Test
  void diskCache_isPrivate_andAWideCacheIsRepairedAtMount() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    Path cache = Files.createDirectories(tmp.resolve("cache"));
    sh(tmp, "chmod 755 " + cache);
    format(meta, "cache-vol", "");
    mount(meta, "--cache-dir " + cache);
    sh(mnt, "(umask 077; head -c 100000 /dev/zero | tr '\\0' 'S' > secret; echo TOPSECRET-PLAINTEXT >> secret)");
    // Reads do not fill the disk cache here (the file:// storage is on the cache's own disk): warm it up.
    sh(mnt, nectar + " warmup secret");
    await("grep -rl TOPSECRET-PLAINTEXT " + cache + " | wc -l", "1"); // the block is cached
    sh(tmp, nectar + " umount " + mnt);
    assertThat(sh(tmp, "find " + cache + "/* -printf '%y %m\\n' | sort -u")).isEqualTo("d 700\nf 600\n");
    Result other = run(tmp, USER + "grep -rhao TOPSECRET-PLAINTEXT " + cache);
    assertThat(other.out()).doesNotContain("TOPSECRET").contains("Permission denied");
    // The storage directory (blocks in plaintext: no encryption) and the mount's log are private too.
    assertThat(sh(tmp, "find data -printf '%y %m\\n' | sort -u")).isEqualTo("d 700\nf 600\n");
    assertThat(run(tmp, USER + "grep -rhao TOPSECRET-PLAINTEXT data").out()).doesNotContain("TOPSECRET").contains("Permission denied");
    assertThat(sh(tmp, "stat -c %a mount.log")).isEqualTo("600\n");

    // A cache left readable by an older version (0755/0644) is tightened at the next mount.
    sh(tmp, "chmod -R u=rwX,go=rX " + cache);
    assertThat(run(tmp, USER + "grep -rhao TOPSECRET-PLAINTEXT " + cache).out()).as("the wide cache is readable").contains("TOPSECRET");
    mount(meta, "--cache-dir " + cache);
    assertThat(sh(tmp, "find " + cache + "/* -printf '%y %m\\n' | sort -u")).isEqualTo("d 700\nf 600\n");
    assertThat(run(tmp, USER + "grep -rhao TOPSECRET-PLAINTEXT " + cache).out()).doesNotContain("TOPSECRET");
    assertThat(sh(mnt, "tail -c 20 secret")).contains("TOPSECRET-PLAINTEXT");
  }

  @Test
  void cacheEncrypted_keepsNoPlaintextOnDisk_andCacheModeWidens() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    Path cache = tmp.resolve("cache");
    format(meta, "enc-vol", "");
    mount(meta, "--cache-dir " + cache);
    sh(mnt, "head -c 70000 /dev/zero | tr '\\0' 'P' > f; echo TOPSECRET-PLAINTEXT >> f");
    sh(mnt, nectar + " warmup f");
    await("grep -rl TOPSECRET-PLAINTEXT " + cache + " | wc -l", "1");
    sh(tmp, nectar + " umount " + mnt);

    mount(meta, "--cache-dir " + cache + " --cache-encrypted --cache-mode 0640");
    assertThat(sh(mnt, "cat f")).contains("TOPSECRET-PLAINTEXT");
    sh(mnt, nectar + " warmup f"); // fills the disk cache
    await("find " + cache + "/*/rawenc-* -type f -size +60k | wc -l", "1"); // the block is cached, encrypted
    await("grep -rl TOPSECRET-PLAINTEXT " + cache + " | wc -l", "0"); // and the old plaintext cache is deleted
    assertThat(sh(tmp, "find " + cache + "/*/rawenc-* -printf '%y %m\\n' | sort -u")).isEqualTo("d 750\nf 640\n");
    sh(tmp, nectar + " umount " + mnt);
    // A later process cannot decrypt the earlier one's blocks: it starts with an empty cache and still reads right.
    mount(meta, "--cache-dir " + cache + " --cache-encrypted");
    assertThat(sh(mnt, "md5sum < f")).isEqualTo(sh(tmp, "(head -c 70000 /dev/zero | tr '\\0' 'P'; echo TOPSECRET-PLAINTEXT) | md5sum"));
  }

  @Test
  void sqliteDatabase_isPrivate_andAnExistingOneIsTightened() throws Exception {
    Path db = tmp.resolve("new/meta/vol.db");
    String meta = "sqlite3://" + db;
    format(meta, "sqlite-vol", "");
    mount(meta, "--cache-dir " + tmp.resolve("cache"));
    sh(mnt, "mkdir d && ln -s /target/SECRETNAME d/l");
    assertThat(sh(tmp, "stat -c '%n %a' new new/meta new/meta/vol.db new/meta/vol.db-wal new/meta/vol.db-shm"))
        .isEqualTo("new 700\nnew/meta 700\nnew/meta/vol.db 600\nnew/meta/vol.db-wal 600\nnew/meta/vol.db-shm 600\n");
    sh(tmp, "chmod 755 new new/meta"); // even through open directories, the files stay closed
    Result other = run(tmp, USER + "cat " + db + " " + db + "-wal");
    assertThat(other.rc()).isNotZero();
    assertThat(other.out()).contains("Permission denied").doesNotContain("SECRET");
    sh(tmp, nectar + " umount " + mnt);

    sh(tmp, "chmod 644 " + db);
    Result status = run(tmp, nectar + " status " + meta);
    assertThat(status.rc()).isZero();
    assertThat(status.out()).contains("tightened to 0600");
    assertThat(sh(tmp, "stat -c %a " + db).trim()).isEqualTo("600");
  }

  @Test
  void newVolumeRoot_isTheFormattersAndNotWritableByOthers_stickyEnforced() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    format(meta, "root-vol", "");
    mount(meta, "--cache-dir " + tmp.resolve("cache"));
    assertThat(sh(mnt, "stat -c '%a %u %g' .").trim()).isEqualTo("755 0 0");
    sh(mnt, "echo mine > private && chmod 600 private");
    Result rm = run(mnt, USER + "rm -f private");
    Result mv = run(mnt, USER + "mv private stolen");
    Result create = run(mnt, USER + "touch planted");
    assertThat(rm.out()).contains("Permission denied");
    assertThat(mv.out()).contains("Permission denied");
    assertThat(create.out()).contains("Permission denied");
    assertThat(sh(mnt, "ls")).isEqualTo("private\n");
    sh(tmp, nectar + " umount " + mnt);

    // A shared root on request: sticky, so users may add files but not remove others'.
    String shared = "sqlite3://" + tmp.resolve("shared.db");
    sh(tmp, nectar + " format " + shared + " shared-vol --storage file://" + tmp.resolve("data2") + " --trash-days 0 --root-mode 1777");
    mount(shared, "--cache-dir " + tmp.resolve("cache2") + " --no-default-permissions"); // the metadata alone enforces it
    assertThat(sh(mnt, "stat -c '%a %u' .").trim()).isEqualTo("1777 0");
    sh(mnt, "echo mine > private && chmod 600 private && mkdir rootsdir");
    sh(mnt, USER + "touch theirs");
    assertThat(run(mnt, USER + "rmdir rootsdir").out()).contains("Operation not permitted");
    assertThat(run(mnt, USER + "rm -f private").out()).contains("Operation not permitted");
    assertThat(run(mnt, USER + "mv private stolen").out()).contains("Operation not permitted");
    assertThat(run(mnt, USER + "mv theirs private").out()).as("nor replace root's file").contains("Operation not permitted");
    sh(mnt, USER + "rm theirs");
    assertThat(sh(mnt, "ls")).isEqualTo("private\nrootsdir\n");
    sh(tmp, nectar + " umount " + mnt);

    Result owner = run(tmp, nectar + " format sqlite3://" + tmp.resolve("o.db") + " owner-vol --storage file://" + tmp.resolve("data3")
        + " --root-owner 4321:4321 --root-mode 0700");
    assertThat(owner.rc()).as(owner.out()).isZero();
    mount("sqlite3://" + tmp.resolve("o.db"), "--cache-dir " + tmp.resolve("cache3"));
    assertThat(sh(mnt, "stat -c '%a %u %g' .").trim()).isEqualTo("700 4321 4321");
    sh(mnt, USER + "touch own");
  }

  @Test
  void mountInBackground_keepsTheMetadataPasswordOutOfTheProcessList() throws Exception {
    String redis = System.getenv("NECTAR_TEST_REDIS");
    assumeTrue(redis != null && redis.contains(":") && redis.contains("@"), "needs NECTAR_TEST_REDIS with a password");
    String password = redis.substring(redis.indexOf("://") + 3, redis.lastIndexOf('@'));
    password = password.substring(password.indexOf(':') + 1);
    assumeTrue(password.length() >= 8);
    String meta = redis + "?prefix=sec" + UUID.randomUUID().toString().substring(0, 8);
    format("'" + meta + "'", "redis-vol", "");
    String out = mount("'" + meta + "'", "--cache-dir " + tmp.resolve("cache"));
    assertThat(out).doesNotContain(password);
    String pid = out.replaceAll("(?s).*\\(pid (\\d+),.*", "$1");
    String cmdline = sh(tmp, "tr '\\0' ' ' < /proc/" + pid + "/cmdline");
    assertThat(cmdline).contains("--foreground-child").contains(":****@").doesNotContain(password);
    assertThat(sh(tmp, "tr '\\0' ' ' < /proc/" + pid + "/environ")).as("the secret is in the child's private environment")
        .contains("NECTAR_MOUNT_META_URL=" + meta);
    assertThat(sh(tmp, "ps -o args= --ppid " + pid)).as("the keeper's worker").contains("--keeper-worker").contains(":****@")
        .doesNotContain(password);
    sh(mnt, "echo works > f && cat f");
    // metrics: the engine is labelled by its scheme; no password, user or URL in any label
    String stats = sh(mnt, "cat .stats");
    assertThat(stats).contains("engine=\"redis\"").doesNotContain(password).doesNotContain("redis://");
    String endpoint = stats.replaceAll("(?s).*nectar_metrics_endpoint\\{address=\"([^\"]+)\".*", "$1");
    assertThat(endpoint).startsWith("http://127.0.0.1:");
    assertThat(sh(tmp, "curl -sf " + endpoint)).contains("engine=\"redis\"").doesNotContain(password).doesNotContain("redis://");
  }

  @Test
  void keeperSocket_workerArguments_andMountLog_areTheOwnersOnly() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    format(meta, "kept-vol", "");
    String out = mount(meta, "--cache-dir " + tmp.resolve("cache"));
    String keeper = out.replaceAll("(?s).*\\(pid (\\d+),.*", "$1");
    String socket = sh(tmp, "ls /run/nectar/keeper-*-" + keeper + ".sock").trim();
    assertThat(sh(tmp, "stat -c '%a %u' /run/nectar " + socket + " " + tmp.resolve("mount.log")))
        .as("the control socket directory, the keeper's socket, the mount log").isEqualTo("700 0\n600 0\n600 0\n");
    Result connect = run(tmp, USER + "python3 -c \"import socket; s = socket.socket(socket.AF_UNIX); s.connect('" + socket + "'); print('connected')\"");
    assertThat(connect.rc()).as(connect.out()).isNotZero();
    assertThat(connect.out()).contains("Permission denied").doesNotContain("connected");
    Result log = run(tmp, USER + "cat " + tmp.resolve("mount.log"));
    assertThat(log.rc()).isNotZero();
    assertThat(log.out()).contains("Permission denied");
    Result upgrade = run(tmp, USER + nectar + " upgrade " + mnt);
    assertThat(upgrade.rc()).as(upgrade.out()).isNotZero();
    assertThat(upgrade.out().strip()).as("one line, no trace").doesNotContain("\n").doesNotContain("Exception");
    sh(mnt, "echo still > f && cat f");
  }

  @Test
  void badInput_isOneLineWithTheRightExitCode_andLeavesNothingBehind() throws Exception {
    String meta = "sqlite3://" + tmp.resolve("meta.db");
    Result block = run(tmp, nectar + " format " + meta + " bad-vol --storage file://" + tmp.resolve("data") + " --block-size 1T");
    assertThat(block.rc()).isEqualTo(2);
    assertThat(block.out()).contains("--block-size 1T").contains("64K to 16M").doesNotContain("2147483647").doesNotContain("\tat ");

    Path work = Files.createDirectories(tmp.resolve("work"));
    Result relative = run(work, nectar + " format sqlite3://relative.db rel-vol --storage file://" + tmp.resolve("data"));
    assertThat(relative.rc()).isEqualTo(1);
    assertThat(relative.out()).contains("must be absolute").contains("sqlite3://" + work.resolve("relative.db"));
    assertThat(relative.out().lines().count()).isEqualTo(1);
    assertThat(work).isEmptyDirectory();

    format(meta, "good-vol", "");
    for (String bad : new String[] {"--readers 0", "--max-background 0", "--attr-cache soon", "--buffer-size 0", "--cache-mode 0400",
        "--cache-mode 9", "--upload-threads 0", "--free-space-ratio 2"}) {
      Result r = run(tmp, nectar + " mount -d " + meta + " " + mnt + " --log " + tmp.resolve("bad.log") + " " + bad);
      assertThat(r.rc()).as(bad + ": " + r.out()).isEqualTo(2);
      assertThat(r.out()).as(bad).contains(bad.split(" ")[0]).doesNotContain("maxWrite").doesNotContain("\tat ");
    }
    assertThat(tmp.resolve("bad.log")).as("nothing was forked").doesNotExist();

    Result proc = run(tmp, nectar + " mount -d " + meta + " " + mnt + " --log " + tmp.resolve("proc.log") + " --cache-dir /proc/x");
    assertThat(proc.rc()).as(proc.out()).isEqualTo(1);
    assertThat(proc.out()).contains("cache directory /proc/x").doesNotContain("mounted at");
    assertThat(proc.out().lines().count()).isEqualTo(1);
    assertThat(sh(tmp, "grep -c ' " + mnt + " ' /proc/mounts || true").trim()).isEqualTo("0");
  }
}
