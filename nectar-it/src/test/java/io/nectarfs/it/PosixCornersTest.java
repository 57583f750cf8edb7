package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Clock;
import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.vfs.VfsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * POSIX corners a generic file-system test suite found through the mount: open directories
 * replaced by rename, execute-only programs, mmap of O_DIRECT files, access times, fallocate
 * against capacity and quotas. The volume has a 64 MiB capacity; the VFS clock can be moved.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PosixCornersTest {
  private static final long CAPACITY = 64L << 20;
  private final AtomicLong clockOffset = new AtomicLong();
  private Path tmp;
  private MountedVolume vol;

  @BeforeAll
  void mount() throws Exception {
    tmp = Files.createTempDirectory("nectar-corners-");
    Clock clock = new Clock() { // wall time moves (back too); durations keep the system's monotonic time
      @Override
      public long nowNanos() {
        return Clock.SYSTEM.nowNanos() + clockOffset.get();
      }

      @Override
      public long monotonicNanos() {
        return Clock.SYSTEM.monotonicNanos();
      }
    };
    vol = MountedVolume.mountWith(tmp.resolve("vol"), CAPACITY, VfsConfig.defaults().withAtimeMode(io.nectarfs.vfs.AtimeMode.RELATIME), clock); // relatime for its atime test
    sh(vol.mnt, "chmod 0755 .");
  }

  @AfterAll
  void unmount() throws Exception {
    if (vol != null) {
      vol.close();
    }
    sh(Path.of("/"), "rm -rf " + tmp);
  }

  private String python(String script) throws Exception {
    return sh(vol.mnt, "python3 - <<'EOF'\n" + script + "\nEOF").strip();
  }

  @Test
  void directoryHeldOpen_andReplacedByRenameOrRemoved_keepsAnsweringFstatWithNlink0() throws Exception {
    String out = python("""
        import os, stat
        os.mkdir('victim'); os.mkdir('other'); os.mkdir('gone')
        fd = os.open('victim', os.O_RDONLY | os.O_DIRECTORY)
        os.rename('other', 'victim')
        st = os.fstat(fd)
        print(st.st_nlink, stat.S_ISDIR(st.st_mode), os.listdir(fd))
        fd2 = os.open('gone', os.O_RDONLY | os.O_DIRECTORY)
        os.rmdir('gone')
        print(os.fstat(fd2).st_nlink)
        os.close(fd); os.close(fd2)
        print(sorted(n for n in os.listdir('.') if n in ('victim', 'other', 'gone')))
        """);
    assertThat(out).isEqualTo("0 True []\n0\n['victim']");
    assertThat(vol.meta.check()).as("consistency while and after the directories were open").isEmpty();
  }

  @Test
  void programWithExecuteButNoReadPermission_runsForAnotherUser() throws Exception {
    String as4321 = "setpriv --reuid=4321 --regid=4321 --clear-groups ";
    String out = sh(vol.mnt, "cp /bin/true x711 && chmod 0711 x711 && cp /bin/true x001 && chmod 0001 x001"
        + " && (" + as4321 + "./x711 && echo ran711 || echo failed711)"
        + " && (" + as4321 + "./x001 && echo ran001 || echo failed001)"
        + " && (" + as4321 + "cat x711 >/dev/null 2>&1 && echo read || echo noread)");
    assertThat(out.lines().toList()).containsExactly("ran711", "ran001", "noread");
  }

  /** Python: makes each argument an 8 KiB file of mode 06777 with a security.capability (v2, effective, cap_net_raw). */
  private static final String PRIVILEGED_FILES = """
      import os, struct, sys
      cap = struct.pack('<IIIII', 0x02000001, 1 << 13, 0, 0, 0)
      for name in sys.argv[1:]:
          with open(name, 'wb') as f:
              f.write(bytes(8192))
          os.setxattr(name, 'security.capability', cap)
          os.chmod(name, 0o6777)
      """;

  /**
   * A write drops a file capability, and setuid/setgid when the writer is not privileged, as on a
   * local file system; also on direct-I/O writes (O_APPEND and O_DIRECT opens here), where the
   * kernel leaves it to the file system. Failed before: an append by another user kept both.
   */
  @Test
  void writeByAnotherUser_dropsSetuidSetgidAndCapability_alsoThroughAppendAndODirect() throws Exception {
    String show = """
        import os, sys
        for name in sys.argv[1:]:
            try:
                os.getxattr(name, 'security.capability'); c = 'cap'
            except OSError:
                c = 'nocap'
            print(name, oct(os.stat(name).st_mode & 0o7777), c)
        """;
    String write = """
        import os, mmap
        fd = os.open('kp_append', os.O_WRONLY | os.O_APPEND); os.write(fd, b'x'); os.close(fd)
        fd = os.open('kp_direct', os.O_WRONLY | os.O_DIRECT)
        buf = mmap.mmap(-1, 4096); buf.write(b'y' * 4096); os.pwrite(fd, buf, 4096); os.close(fd)
        fd = os.open('kp_cached', os.O_WRONLY); os.pwrite(fd, b'z', 10); os.close(fd)
        """;
    sh(vol.mnt, "python3 - kp_append kp_direct kp_cached kp_root <<'EOF'\n" + PRIVILEGED_FILES + "\nEOF");
    sh(vol.mnt, "setpriv --reuid=4321 --regid=4321 --clear-groups /usr/bin/python3 - <<'EOF'\n" + write + "\nEOF");
    sh(vol.mnt, "python3 -c \"import os; fd = os.open('kp_root', os.O_WRONLY | os.O_APPEND); os.write(fd, b'r'); os.close(fd)\"");
    String out = sh(vol.mnt, "python3 - kp_append kp_direct kp_cached kp_root <<'EOF'\n" + show + "\nEOF").strip();
    assertThat(out.lines().toList()).containsExactly(
        "kp_append 0o777 nocap", "kp_direct 0o777 nocap", "kp_cached 0o777 nocap",
        "kp_root 0o6777 nocap"); // root keeps setuid/setgid (CAP_FSETID); a capability goes on any write
  }

  /**
   * A truncate (also ftruncate, O_TRUNC) by another user drops setuid/setgid and the capability; a
   * chown (by root too, as on ext4) drops them as well, also to the same owner. Before
   * FUSE_HANDLE_KILLPRIV_V2 the kernel did all of it itself (SETATTR with the new mode,
   * REMOVEXATTR); now it leaves it to the server (FATTR_KILL_SUIDGID, FUSE_OPEN_KILL_SUIDGID).
   */
  @Test
  void truncateByAnotherUser_andChown_dropSetuidSetgidAndCapability() throws Exception {
    String show = """
        import os, sys
        for name in sys.argv[1:]:
            try:
                os.getxattr(name, 'security.capability'); c = 'cap'
            except OSError:
                c = 'nocap'
            st = os.stat(name)
            print(name, oct(st.st_mode & 0o7777), c, st.st_size)
        """;
    String names = " kt_trunc kt_ftrunc kt_otrunc kt_chown kt_same";
    sh(vol.mnt, "python3 -" + names + " <<'EOF'\n" + PRIVILEGED_FILES + "\nEOF");
    sh(vol.mnt, "setpriv --reuid=4321 --regid=4321 --clear-groups /usr/bin/python3 -c \"import os; os.truncate('kt_trunc', 100);"
        + " fd = os.open('kt_ftrunc', os.O_WRONLY); os.ftruncate(fd, 200); os.close(fd);"
        + " os.close(os.open('kt_otrunc', os.O_WRONLY | os.O_TRUNC))\"");
    sh(vol.mnt, "chown 4321:4321 kt_chown && chown 0:0 kt_same");
    String out = sh(vol.mnt, "python3 -" + names + " <<'EOF'\n" + show + "\nEOF").strip();
    assertThat(out.lines().toList()).containsExactly(
        "kt_trunc 0o777 nocap 100", "kt_ftrunc 0o777 nocap 200", "kt_otrunc 0o777 nocap 0",
        "kt_chown 0o777 nocap 8192", "kt_same 0o777 nocap 8192");
  }

  /**
   * With FUSE_HANDLE_KILLPRIV_V2 the kernel marks an inode "nothing to remove" after the first
   * write(2) (SB_NOSEC) and stops asking GETXATTR security.capability before each write, until the
   * inode's attributes are refreshed. Failed before: one GETXATTR per write(2), 200 here.
   */
  @Test
  void bufferedWrites_askNoGetxattrBeforeEachWrite() throws Exception {
    var init = vol.server.initState();
    assertThat(init.has(io.nectarfs.fuse.wire.Proto.HANDLE_KILLPRIV_V2))
        .as("negotiated (kernel offered %x, the server uses %x)", init.kernelFlags(), init.flags()).isTrue();
    sh(vol.mnt, "head -c 4096 /dev/zero > gx");
    long before = vol.server.requests(io.nectarfs.fuse.wire.Opcode.GETXATTR);
    python("""
        import os
        fd = os.open('gx', os.O_WRONLY)
        for i in range(200):
            os.pwrite(fd, b'x' * 4096, i * 4096)
        os.close(fd)
        """);
    long asked = vol.server.requests(io.nectarfs.fuse.wire.Opcode.GETXATTR) - before;
    assertThat(asked).as("GETXATTR requests during 200 buffered writes").isLessThanOrEqualTo(1);
  }

  @Test
  void mmapOfAFileOpenedWithODirect_writesThroughTheMap() throws Exception {
    String out = python("""
        import os, mmap
        with open('dio', 'wb') as f:
            f.write(b'\\0' * 8192)
        fd = os.open('dio', os.O_RDWR | os.O_DIRECT)
        m = mmap.mmap(fd, 8192)
        m[100:105] = b'hello'
        m.flush()
        m.close()
        os.close(fd)
        with open('dio', 'rb') as f:
            print(f.read()[100:105].decode())
        """);
    assertThat(out).isEqualTo("hello");
  }

  private long atime(String name) throws Exception {
    return Long.parseLong(python("import os\nprint(os.stat('" + name + "').st_atime_ns)"));
  }

  @Test
  void relatime_updatesAtimeWhenOlderThanMtime_orADayOld_only() throws Exception {
    sh(vol.mnt, "echo data > at && mkdir atd");
    long created = atime("at");
    sh(vol.mnt, "cat at >/dev/null");
    long afterFirstRead = atime("at");
    assertThat(afterFirstRead).as("atime was not newer than mtime: a read updates it").isGreaterThan(created);
    sh(vol.mnt, "cat at >/dev/null");
    assertThat(atime("at")).as("atime newer than mtime and ctime, less than a day old: unchanged").isEqualTo(afterFirstRead);
    clockOffset.set(Duration.ofDays(2).toNanos());
    try {
      sh(vol.mnt, "cat at >/dev/null");
      assertThat(atime("at")).as("a day old: updated").isGreaterThanOrEqualTo(afterFirstRead + Duration.ofDays(2).toNanos());
    } finally {
      clockOffset.set(0);
    }
    sh(vol.mnt, "touch atd/x");
    long dirBefore = atime("atd");
    sh(vol.mnt, "ls atd >/dev/null");
    assertThat(atime("atd")).as("listing a changed directory updates its atime").isGreaterThan(dirBefore);
  }

  @Test
  void fallocate_refusesWhatStatfsDoesNotShowAsAvailable_andQuotas() throws Exception {
    try {
      String keep = sh(vol.mnt, "touch keep; fallocate --keep-size -l 1G keep 2>&1; echo rc=$?");
      assertThat(keep).contains("No space left on device").contains("rc=1");
      long avail = Long.parseLong(sh(vol.mnt, "stat -f -c '%a*%S' . | bc").strip());
      assertThat(avail).isPositive().isLessThanOrEqualTo(CAPACITY);
      assertThat(sh(vol.mnt, "fallocate -l " + (avail + 4096) + " over 2>&1; echo rc=$?")).contains("No space left on device");
      sh(vol.mnt, "fallocate -l " + avail + " exact");
      assertThat(sh(vol.mnt, "stat -f -c %a .").strip()).isEqualTo("0");
      assertThat(sh(vol.mnt, "fallocate -n -l 4096 -o " + avail + " exact 2>&1; echo rc=$?")).contains("No space left on device");
      sh(vol.mnt, "rm -f exact over keep");
      sh(vol.mnt, "mkdir -p quota");
      MetaAdmin admin = new MetaAdmin(vol.meta);
      admin.setQuota(admin.resolve("/quota"), 1 << 20, 0);
      assertThat(sh(vol.mnt, "touch quota/k; fallocate -n -l 2M quota/k 2>&1; echo rc=$?")).contains("Disk quota exceeded");
      assertThat(sh(vol.mnt, "fallocate -l 2M quota/f 2>&1; echo rc=$?")).contains("Disk quota exceeded");
      assertThat(Long.parseLong(sh(vol.mnt, "stat -f -c '%a*%S' quota | bc").strip())).isLessThanOrEqualTo(1 << 20);
      sh(vol.mnt, "fallocate -n -l 512K quota/k");
    } finally {
      sh(vol.mnt, "rm -rf exact over keep quota");
    }
  }
}
