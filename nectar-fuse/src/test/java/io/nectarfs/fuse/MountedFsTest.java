package io.nectarfs.fuse;

import static io.nectarfs.fuse.Mounted.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.fuse.wire.Opcode;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POSIX behaviour through a real mount of a MemVfs, seen by Java NIO and coreutils. */
class MountedFsTest {
  static Mounted m;

  @BeforeAll
  static void mount() throws Exception {
    m = Mounted.start(MountOptions.builder().volumeName("memvol").build());
  }

  @AfterAll
  static void unmount() throws Exception {
    if (m != null) {
      m.close();
    }
  }

  @Test
  void root_statAndMountinfoShowVolume() throws Exception {
    assertThat(Files.isDirectory(m.dir)).isTrue();
    assertThat(sh("stat -c '%F %a' " + m.dir).ok().out().strip()).isEqualTo("directory 777");
    MountInfo.Line l = MountInfo.find(m.dir).orElseThrow();
    assertThat(l.fsType()).isEqualTo("fuse.nectarfs");
    assertThat(l.source()).isEqualTo("memvol");
  }

  @Test
  void mkdir_ls_rmdir() throws Exception {
    Path d = Files.createDirectory(m.path("d1"));
    Files.writeString(d.resolve("a"), "x");
    Files.createDirectory(d.resolve("sub"));
    assertThat(sh("ls -a " + d).ok().out().split("\n")).containsExactly(".", "..", "a", "sub");
    assertThatThrownBy(() -> Files.delete(d)).isInstanceOf(DirectoryNotEmptyException.class);
    assertThat(sh("rmdir " + d).err()).contains("Directory not empty");
    Files.delete(d.resolve("a"));
    Files.delete(d.resolve("sub"));
    Files.delete(d);
    assertThat(Files.exists(d)).isFalse();
  }

  @Test
  void errno_seenByPrograms() throws Exception {
    assertThatThrownBy(() -> Files.readString(m.path("missing"))).isInstanceOf(NoSuchFileException.class);
    assertThat(sh("ls " + m.path("missing")).err()).contains("No such file or directory");
    Files.createDirectory(m.path("e1"));
    assertThatThrownBy(() -> Files.createDirectory(m.path("e1"))).isInstanceOf(FileAlreadyExistsException.class);
    assertThat(sh("mkdir " + m.path("e1")).err()).contains("File exists");
    assertThat(sh("rm " + m.path("e1")).err()).contains("Is a directory");
    assertThat(sh("cat " + m.path("e1") + "/x/y").err()).contains("No such file or directory");
    assertThat(sh("touch " + m.path("e1") + "/" + "n".repeat(256)).err()).contains("File name too long");
    Files.delete(m.path("e1"));
  }

  @Test
  void nonUtf8Name_isKeptAsBytes() throws Exception {
    String bad = "\"" + m.dir + "/$(printf 'bad\\xff')\"";
    sh("touch " + bad + " && echo data > " + bad).ok();
    assertThat(sh("cd " + m.dir + " && printf '%s' bad* | od -An -tx1").ok().out().strip()).isEqualTo("62 61 64 ff");
    assertThat(sh("cat " + bad + " && rm " + bad).ok().out()).isEqualTo("data\n");
  }

  @Test
  void createWriteReadRenameTruncate() throws Exception {
    Path f = m.path("f1");
    Files.writeString(f, "hello world");
    assertThat(Files.readString(f)).isEqualTo("hello world");
    assertThat(Files.size(f)).isEqualTo(11);
    Files.writeString(f, "HELLO");
    assertThat(Files.readString(f)).isEqualTo("HELLO");
    assertThat(sh("echo more >> " + f + " && cat " + f).ok().out()).isEqualTo("HELLOmore\n");
    Path g = m.path("g1");
    Files.move(f, g);
    assertThat(Files.exists(f)).isFalse();
    assertThat(Files.readString(g)).startsWith("HELLO");
    sh("truncate -s 2 " + g).ok();
    assertThat(Files.readString(g)).isEqualTo("HE");
    Files.setPosixFilePermissions(g, PosixFilePermissions.fromString("rw-r-----"));
    assertThat(sh("stat -c %a " + g).ok().out().strip()).isEqualTo("640");
    sh("touch -d '2001-02-03 04:05:06' " + g).ok();
    assertThat(sh("date -r " + g + " +%Y").ok().out().strip()).isEqualTo("2001");
    Files.delete(g);
  }

  @Test
  void renameNoreplace_withMvN_keepsTarget() throws Exception {
    Files.writeString(m.path("src"), "src");
    Files.writeString(m.path("dst"), "dst");
    sh("mv -n " + m.path("src") + " " + m.path("dst"));
    assertThat(Files.readString(m.path("dst"))).isEqualTo("dst");
    assertThat(Files.readString(m.path("src"))).isEqualTo("src");
    sh("mv " + m.path("src") + " " + m.path("dst")).ok();
    assertThat(Files.readString(m.path("dst"))).isEqualTo("src");
    assertThat(m.server.requests(Opcode.RENAME2) + m.server.requests(Opcode.RENAME)).isPositive();
    Files.delete(m.path("dst"));
  }

  @Test
  void symlinkAndHardlink() throws Exception {
    Files.writeString(m.path("t"), "target");
    sh("ln -s t " + m.path("s") + " && ln " + m.path("t") + " " + m.path("h")).ok();
    assertThat(Files.readSymbolicLink(m.path("s")).toString()).isEqualTo("t");
    assertThat(Files.readString(m.path("s"))).isEqualTo("target");
    assertThat(sh("stat -c %h " + m.path("t")).ok().out().strip()).isEqualTo("2");
    Files.delete(m.path("t"));
    assertThat(Files.readString(m.path("h"))).isEqualTo("target");
    Files.delete(m.path("h"));
    Files.delete(m.path("s"));
  }

  @Test
  void xattrs_setGetListRemove() throws Exception {
    Path f = Files.writeString(m.path("x"), "");
    sh("setfattr -n user.color -v blue " + f).ok();
    sh("setfattr -n user.size -v 0x" + "ab".repeat(300) + " " + f).ok();
    assertThat(sh("getfattr --only-values -n user.color " + f).ok().out()).isEqualTo("blue");
    assertThat(sh("getfattr -d " + f).ok().out()).contains("user.color=\"blue\"").contains("user.size=0s");
    assertThat(sh("getfattr -n user.none " + f).err()).contains("No such attribute");
    sh("setfattr -x user.color " + f).ok();
    assertThat(sh("getfattr -d " + f).ok().out()).doesNotContain("user.color");
    Files.delete(f);
  }

  @Test
  void statfs_andFallocateAndCopy() throws Exception {
    assertThat(sh("stat -f -c '%S %b' " + m.dir).ok().out().strip()).isEqualTo("4096 268435456");
    Path f = m.path("fa");
    sh("fallocate -l 1M " + f).ok();
    assertThat(Files.size(f)).isEqualTo(1 << 20);
    Files.writeString(m.path("c1"), "copy me");
    sh("cp " + m.path("c1") + " " + m.path("c2")).ok();
    assertThat(Files.readString(m.path("c2"))).isEqualTo("copy me");
    for (String n : List.of("fa", "c1", "c2")) {
      Files.delete(m.path(n));
    }
  }

  @Test
  void unsupportedOpcodes_getEnosys_statStillWorks() throws Exception {
    Files.writeString(m.path("st"), "abc");
    assertThat(sh("stat -c %s " + m.path("st")).ok().out().strip()).isEqualTo("3");
    // kernels >= 7.39 send STATX for stat(1); we answer ENOSYS and it falls back to GETATTR
    System.out.println("STATX requests seen: " + m.server.requests(Opcode.STATX));
    assertThat(m.server.requests(Opcode.GETATTR) + m.server.requests(Opcode.LOOKUP)).isPositive();
    Files.delete(m.path("st"));
  }

  @Test
  void readdir_10000Entries() throws Exception {
    Path d = Files.createDirectory(m.path("many"));
    sh("cd " + d + " && seq -f 'file-%05g' 1 10000 | xargs touch").ok();
    assertThat(sh("ls " + d + " | wc -l").ok().out().strip()).isEqualTo("10000");
    try (Stream<Path> s = Files.list(d)) {
      assertThat(s.count()).isEqualTo(10000);
    }
    assertThat(sh("ls -l " + d + " | tail -n +2 | wc -l").ok().out().strip()).isEqualTo("10000");
    sh("rm -rf " + d).ok();
    assertThat(Files.exists(d)).isFalse();
  }

  @Test
  void bigFile_200MiB_ddRoundTripByteIdentical() throws Exception {
    Path src = Files.createTempFile("nectar-fuse-src", ".bin");
    try {
      sh("head -c 209715200 /dev/urandom > " + src).ok();
      Path f = m.path("big200");
      sh("dd if=" + src + " of=" + f + " bs=1M status=none").ok();
      assertThat(Files.size(f)).isEqualTo(200L << 20);
      String a = sh("sha256sum < " + src).ok().out();
      String b = sh("dd if=" + f + " bs=1M status=none | sha256sum").ok().out();
      assertThat(b).isEqualTo(a);
      assertThat(m.server.requests(Opcode.WRITE)).isLessThan(2000); // 1 MiB writes, not 4 KiB
      Files.delete(f);
    } finally {
      Files.deleteIfExists(src);
    }
  }

  @Test
  void flockWaiter_killedWithSigint_returns_andMountStaysUsable() throws Exception {
    Path f = Files.writeString(m.path("lockfile"), "");
    // -o: only flock(1) itself holds the lock, so killing it releases the lock
    Process holder = new ProcessBuilder("flock", "-o", "-x", f.toString(), "-c", "sleep 60").start();
    try {
      Thread.sleep(500);
      assertThat(sh("flock -n -x " + f + " -c true").code()).isEqualTo(1);
      Process waiter = new ProcessBuilder("flock", "-x", f.toString(), "-c", "true").start();
      Thread.sleep(500);
      assertThat(waiter.isAlive()).isTrue();
      Mounted.run(Duration.ofSeconds(5), List.of("kill", "-INT", Long.toString(waiter.pid()))).ok();
      assertThat(waiter.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("waiter ended").isTrue();
      assertThat(m.server.requests(Opcode.INTERRUPT)).isPositive();
      assertThat(sh("ls " + m.dir).ok().out()).contains("lockfile");
    } finally {
      holder.descendants().forEach(ProcessHandle::destroyForcibly);
      holder.destroyForcibly().waitFor();
    }
    // the holder's lock went away with its descriptor
    assertThat(sh("flock -w 10 -x " + f + " -c true").code()).isZero();
    Files.delete(f);
  }

  @Test
  void posixLocks_conflictBetweenProcesses() throws Exception {
    Path f = Files.writeString(m.path("plock"), "0123456789");
    String py = "import fcntl,sys,time\nf=open(sys.argv[1],'r+')\nfcntl.lockf(f, fcntl.LOCK_EX, 5, 0)\n"
        + "print('locked', flush=True)\ntime.sleep(30)\n";
    Path script = Files.createTempFile("lock", ".py");
    Files.writeString(script, py);
    Process holder = new ProcessBuilder("python3", script.toString(), f.toString()).start();
    try {
      assertThat(new String(holder.getInputStream().readNBytes(6), StandardCharsets.UTF_8)).isEqualTo("locked");
      String probe = "import fcntl,sys\nf=open(sys.argv[1],'r+')\n"
          + "try:\n  fcntl.lockf(f, fcntl.LOCK_EX|fcntl.LOCK_NB, 5, 0)\n  print('got')\nexcept OSError as e:\n  print('busy', e.errno)\n"
          + "fcntl.lockf(f, fcntl.LOCK_EX|fcntl.LOCK_NB, 5, 5)\nprint('other range ok')\n";
      Path p2 = Files.createTempFile("probe", ".py");
      Files.writeString(p2, probe);
      String out = Mounted.run(Duration.ofSeconds(30), List.of("python3", p2.toString(), f.toString())).ok().out();
      assertThat(out).contains("busy 11").contains("other range ok");
      Files.delete(p2);
    } finally {
      holder.destroyForcibly().waitFor();
      Files.delete(script);
    }
    Files.delete(f);
  }
}
