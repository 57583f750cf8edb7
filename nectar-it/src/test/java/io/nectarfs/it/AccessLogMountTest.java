package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /.accesslog} on a real mount: a known workload of a second user shows up line by line
 * (counts per operation equal what was done), {@code nectar profile --json} on the saved log
 * reports the same counts, only root and the owner may read it, a blocked reader can be
 * interrupted, and {@code profile} on something else fails with one line.
 */
class AccessLogMountTest {
  private static final String USER = "setpriv --reuid=4321 --regid=4321 --clear-groups ";
  private static final Pattern OP = Pattern.compile("^\\S+ \\[uid:4321,gid:4321,pid:\\d+\\] (\\S+) \\(.*");

  @TempDir Path tmp;

  private static String nectar() {
    return "NECTAR_NO_BUILD=1 " + Path.of(System.getProperty("user.dir")).getParent().resolve("nectar");
  }

  @Test
  void aWorkload_isLoggedLineByLine_andProfileCountsTheSame() throws Exception {
    try (MountedVolume v = MountedVolume.mount(tmp.resolve("v"))) {
      sh(v.mnt, "mkdir w && chown 4321:4321 w");
      List<String> lines = new CopyOnWriteArrayList<>();
      InputStream in = Files.newInputStream(v.mnt.resolve(".accesslog")); // the reader exists once open returns
      CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
          for (String l; (l = r.readLine()) != null; ) {
            lines.add(l);
          }
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      sh(v.mnt.resolve("w"), USER + "bash -c 'for i in 1 2 3 4 5; do echo hello > f$i; done && mkdir sub && mv f1 sub/g1 && mv f2 sub/g2"
          + " && rm f3 f4 && rm sub/g1 sub/g2 && rmdir sub && mkdir end-marker'");
      // Every line was queued before the workload's last reply: wait for the last one to be read.
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (lines.stream().noneMatch(l -> l.contains(" mkdir (") && l.contains("name=\"end-marker\""))) {
        assertThat(System.nanoTime()).as("end marker logged; lines so far: " + lines).isLessThan(deadline);
        Thread.sleep(10);
      }
      in.close();
      reading.get(1, TimeUnit.MINUTES);

      List<String> user = lines.stream().filter(l -> OP.matcher(l).matches()).toList();
      Map<String, Long> counts = new TreeMap<>();
      for (String l : user) {
        Matcher m = OP.matcher(l);
        m.matches();
        counts.merge(m.group(1), 1L, Long::sum);
      }
      Map<String, Long> expected = Map.of("create", 5L, "write", 5L, "mkdir", 2L, "rename", 2L, "unlink", 4L, "rmdir", 1L);
      expected.forEach((op, n) -> assertThat(counts.get(op)).as(op + " lines in " + user).isEqualTo(n));
      assertThat(user).filteredOn(l -> l.contains(" write (")).allMatch(l -> l.contains(",size=6): OK 6 <"));
      assertThat(String.join("\n", lines)).as("no URL in the log").doesNotContain("://");

      Path saved = tmp.resolve("access.log");
      Files.write(saved, user);
      String json = sh(tmp, nectar() + " profile --json " + saved);
      expected.forEach((op, n) -> assertThat(json).as(json).contains("{\"op\":\"" + op + "\",\"count\":" + n + ","));
      assertThat(json).contains("\"lines\":" + user.size() + ",", "{\"uid\":4321,\"count\":" + user.size() + ",");
    }
  }

  @Test
  void onlyRootAndTheOwner_mayReadTheLog_andAWaitingReaderCanBeStopped() throws Exception {
    try (MountedVolume v = MountedVolume.mount(tmp.resolve("v"))) {
      sh(tmp, "chmod 755 " + tmp + " " + tmp.resolve("v")); // the second user may reach the mount point
      Path log = v.mnt.resolve(".accesslog");
      String denied = sh(tmp, "cd / && " + USER + "cat " + log + " 2>&1 || echo exit=$?");
      assertThat(denied).contains("Permission denied").contains("exit=1");
      String profile = sh(tmp, "cd / && " + USER + "env HOME=/tmp " + nectar() + " profile --once " + v.mnt + " 2>&1 || echo exit=$?");
      assertThat(profile.lines().toList()).as(profile).hasSize(2);
      assertThat(profile).contains("permission denied", "exit=1");
      // root follows the log; SIGINT ends the blocked read and cat, and the unmount (close) then works.
      Process cat = new ProcessBuilder("cat", log.toString()).redirectErrorStream(true).start();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
      while (!isReading(cat.pid(), log)) {
        assertThat(System.nanoTime()).as("cat has the log open").isLessThan(deadline);
        Thread.sleep(10);
      }
      sh(v.mnt, "ls >/dev/null");
      cat.destroy();
      assertThat(cat.waitFor(1, TimeUnit.MINUTES)).as("cat ended").isTrue();
    }
  }

  private static boolean isReading(long pid, Path file) throws java.io.IOException {
    try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
      return fds.anyMatch(fd -> {
        try {
          return Files.readSymbolicLink(fd).equals(file);
        } catch (java.io.IOException e) {
          return false;
        }
      });
    }
  }

  @Test
  void profileLive_onAMount_countsWhatHappensMeanwhile() throws Exception {
    try (MountedVolume v = MountedVolume.mount(tmp.resolve("v"))) {
      Process p = new ProcessBuilder("bash", "-c", nectar() + " profile --json --duration 3s " + v.mnt).redirectErrorStream(true).start();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
        try {
          return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      sh(v.mnt, "mkdir d");
      while (p.isAlive()) { // list the directory until the profile ends, whenever its window falls
        sh(v.mnt, "ls d >/dev/null");
        p.waitFor(20, TimeUnit.MILLISECONDS);
      }
      String json = out.get(1, TimeUnit.MINUTES);
      assertThat(p.exitValue()).as(json).isZero();
      assertThat(json.trim().lines()).as(json).hasSize(1);
      assertThat(json).contains("{\"op\":\"opendir\",\"count\":");
    }
  }

  @Test
  void profile_ofSomethingElse_failsWithOneLine() throws Exception {
    Files.createDirectories(tmp.resolve("plain"));
    Files.writeString(tmp.resolve("notes.txt"), "hello\n");
    for (String arg : List.of("plain", "notes.txt", "missing")) {
      String out = sh(tmp, nectar() + " profile " + tmp.resolve(arg) + " 2>&1; echo exit=$?");
      assertThat(out.lines().toList()).as(out).hasSize(2);
      assertThat(out).startsWith("nectar: " + tmp.resolve(arg)).contains("exit=1");
    }
    assertThat(sh(tmp, nectar() + " profile " + tmp.resolve("plain") + " 2>&1; true")).contains("is not a NectarFS mount point");
    assertThat(sh(tmp, nectar() + " profile " + tmp.resolve("notes.txt") + " 2>&1; true")).contains("is not a NectarFS access log");
  }
}
