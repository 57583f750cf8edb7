package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_RDONLY;
import static io.nectarfs.common.OpenFlags.O_RDWR;
import static io.nectarfs.common.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Cancellation;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Meta;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access log: line format, every reader gets every line, drops, no work without readers, blocking reads, who may read. */
class AccessLogTest {
  private static final long HOUR = TimeUnit.HOURS.toNanos(1);
  private static final int OWNER = 1000;
  private static final Ctx USER = new Ctx(OWNER, 100, new int[0], 42);

  @TempDir Path tmp;
  private final AtomicLong now = new AtomicLong(Instant.parse("2026-11-30T08:00:00.000001Z").toEpochMilli() * 1_000_000L + 1_000);
  private final Clock clock = now::get;
  private VfsHarness.Client client;

  @BeforeEach
  void open() throws Exception {
    client = VfsHarness.memory(tmp).client();
  }

  @AfterEach
  void close() throws Exception {
    client.close();
  }

  private AccessLogVfs logged(int capacity, long keepAliveNanos) {
    return new AccessLogVfs(client.vfs(), new AccessLog(clock, capacity, keepAliveNanos), OWNER);
  }

  private static long openLog(Vfs v, Ctx ctx) throws Exception {
    long ino = v.lookup(ctx, Meta.ROOT, ".accesslog").ino();
    return v.open(ctx, ino, O_RDONLY);
  }

  private static String read(Vfs v, long fh, int size) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(size);
    int n = v.read(Ctx.ROOT, AccessLogVfs.INO, fh, 0, b);
    return new String(b.array(), 0, n, StandardCharsets.UTF_8);
  }

  @Test
  void aLine_namesTimeCallerOperationArgumentsResultAndDuration() throws Exception {
    AccessLogVfs v = logged(100, HOUR);
    long fh = openLog(v, Ctx.ROOT);
    Vfs.Opened o = v.create(USER, Meta.ROOT, "a \"b\"\n", 0644, 022, O_RDWR);
    assertThatThrownBy(() -> v.lookup(USER, Meta.ROOT, "missing")).isInstanceOf(FsException.class);
    assertThat(read(v, fh, 4096)).isEqualTo(
        "2026-11-30T08:00:00.000001Z [uid:1000,gid:100,pid:42] create (parent=1,name=\"a \\\"b\\\"\\x0a\",mode=0644,umask=022,flags=0x2): OK ino="
            + o.entry().ino() + ",fh=" + o.fh() + " <0.000000>\n"
            + "2026-11-30T08:00:00.000001Z [uid:1000,gid:100,pid:42] lookup (parent=1,name=\"missing\"): ENOENT <0.000000>\n");
  }

  @Test
  void aSymlinkTargetThatIsAUrl_isRedacted() throws Exception {
    AccessLogVfs v = logged(100, HOUR);
    long fh = openLog(v, Ctx.ROOT);
    v.symlink(USER, Meta.ROOT, "l", "s3://AKIAEXAMPLE:wJalrXUtnFEMI@bucket.example.com/x");
    assertThat(read(v, fh, 4096)).contains("] symlink (parent=1,name=\"l\",target=\"s3://").doesNotContain("wJalrXUtnFEMI");
  }

  @Test
  void theDuration_isTheOperationsTimeOnTheClock() throws Exception {
    AccessLog log = new AccessLog(clock, 100, HOUR);
    AccessLog.Reader r = log.open();
    long t0 = log.start();
    now.addAndGet(1_234_567_000L);
    log.log(USER, "statfs", "ino=1", null, null, t0);
    ByteBuffer b = ByteBuffer.allocate(200);
    r.read(Ctx.ROOT, b);
    assertThat(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8)).endsWith("statfs (ino=1): OK <1.234567>\n");
  }

  @Test
  void withoutReaders_noLineIsBuilt_andOnceTheLastReaderLeavesNoneAgain() throws Exception {
    AccessLogVfs v = logged(100, HOUR);
    Vfs.Opened o = v.create(USER, Meta.ROOT, "f", 0644, 0, O_RDWR);
    v.write(USER, o.entry().ino(), o.fh(), 0, ByteBuffer.wrap(new byte[10]));
    v.release(USER, o.entry().ino(), o.fh());
    assertThat(v.log().linesBuilt()).isZero();

    long fh = openLog(v, Ctx.ROOT);
    v.getattr(USER, o.entry().ino());
    assertThat(v.log().linesBuilt()).isEqualTo(1);
    v.release(Ctx.ROOT, AccessLogVfs.INO, fh);
    v.getattr(USER, o.entry().ino());
    v.lookup(USER, Meta.ROOT, "f");
    assertThat(v.log().linesBuilt()).isEqualTo(1);
  }

  @Test
  void everyReader_getsEveryLine_andOperationsOnTheLogItselfAreNotLogged() throws Exception {
    AccessLogVfs v = logged(100, HOUR);
    long a = openLog(v, Ctx.ROOT);
    long b = openLog(v, USER);
    for (int i = 0; i < 5; i++) {
      v.mkdir(USER, Meta.ROOT, "d" + i, 0755, 0);
    }
    v.getattr(Ctx.ROOT, AccessLogVfs.INO);
    for (long fh : List.of(a, b)) {
      String all = read(v, fh, 1 << 16);
      assertThat(all.lines()).hasSize(5).allMatch(l -> l.contains("] mkdir (parent=1,name=\"d") && l.contains("): OK ino="));
    }
  }

  @Test
  void aFullBuffer_dropsLines_andSaysHowManyBeforeTheNextLine() throws Exception {
    AccessLogVfs v = logged(3, HOUR);
    long fh = openLog(v, Ctx.ROOT);
    for (int i = 0; i < 8; i++) {
      v.statfs(USER, Meta.ROOT);
    }
    List<String> lines = new ArrayList<>(read(v, fh, 1 << 16).lines().toList());
    assertThat(lines).hasSize(4);
    assertThat(lines.subList(0, 3)).allMatch(l -> l.contains("] statfs (ino=1): OK <"));
    assertThat(lines.get(3)).isEqualTo("# dropped 5 lines");
    v.statfs(USER, Meta.ROOT);
    v.statfs(USER, Meta.ROOT);
    v.statfs(USER, Meta.ROOT);
    v.statfs(USER, Meta.ROOT); // dropped again
    v.mkdir(USER, Meta.ROOT, "x", 0755, 0); // dropped too
    assertThat(read(v, fh, 1 << 16).lines().toList()).hasSize(4).last().isEqualTo("# dropped 2 lines");
    v.mkdir(USER, Meta.ROOT, "y", 0755, 0);
    assertThat(read(v, fh, 1 << 16).lines().toList()).singleElement().asString().contains("] mkdir (parent=1,name=\"y\"");
  }

  @Test
  void aShortRead_continuesTheLineAtTheNextRead() throws Exception {
    AccessLogVfs v = logged(100, HOUR);
    long fh = openLog(v, Ctx.ROOT);
    v.statfs(USER, Meta.ROOT);
    v.statfs(USER, Meta.ROOT);
    StringBuilder all = new StringBuilder();
    while (all.toString().lines().count() < 2 || !all.toString().endsWith("\n")) {
      all.append(read(v, fh, 7));
    }
    assertThat(all.toString().lines()).hasSize(2).allMatch(l -> l.startsWith("2026-11-30T08:00:00.000001Z [uid:1000") && l.endsWith(">"));
  }

  @Test
  void aWaitingRead_returnsTheFirstLineThatArrives() throws Exception {
    AccessLogVfs v = logged(100, HOUR);
    long fh = openLog(v, Ctx.ROOT);
    Thread[] t = new Thread[1];
    CompletableFuture<String> got = CompletableFuture.supplyAsync(() -> {
      t[0] = Thread.currentThread();
      try {
        return read(v, fh, 4096);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    awaitWaiting(t);
    v.statfs(USER, Meta.ROOT);
    assertThat(got.get(1, TimeUnit.MINUTES)).contains("] statfs (ino=1): OK");
  }

  @Test
  void aWaitingRead_answersEintrWhenItsRequestIsInterrupted() throws Exception {
    AccessLogVfs v = logged(100, HOUR);
    long fh = openLog(v, Ctx.ROOT);
    Cancellation token = Cancellation.create();
    Ctx ctx = Ctx.ROOT.withCancellation(token);
    Thread[] t = new Thread[1];
    CompletableFuture<Integer> got = CompletableFuture.supplyAsync(() -> {
      t[0] = Thread.currentThread();
      try {
        return v.read(ctx, AccessLogVfs.INO, fh, 0, ByteBuffer.allocate(100));
      } catch (FsException e) {
        return -e.errno().code();
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    awaitWaiting(t);
    token.cancel();
    assertThat(got.get(1, TimeUnit.MINUTES)).isEqualTo(-Errno.EINTR.code());
  }

  @Test
  void aWaitingRead_endsWhenTheHandleIsReleasedOrTheVfsCloses() throws Exception {
    AccessLogVfs v = logged(100, HOUR);
    for (boolean release : List.of(true, false)) {
      long fh = openLog(v, Ctx.ROOT);
      Thread[] t = new Thread[1];
      CompletableFuture<String> got = CompletableFuture.supplyAsync(() -> {
        t[0] = Thread.currentThread();
        try {
          return read(v, fh, 4096);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      awaitWaiting(t);
      if (release) {
        v.release(Ctx.ROOT, AccessLogVfs.INO, fh);
      } else {
        v.log().closeAll();
      }
      assertThat(got.get(1, TimeUnit.MINUTES)).as("end of file").isEmpty();
    }
  }

  @Test
  void aQuietLog_answersAKeepAliveNote() throws Exception {
    AccessLogVfs v = logged(100, 0);
    long fh = openLog(v, Ctx.ROOT);
    assertThat(read(v, fh, 100)).isEqualTo("#\n");
  }

  @Test
  void onlyRootAndTheOwner_mayReadTheLog_andNobodyMayChangeIt() throws Exception {
    AccessLogVfs v = logged(100, HOUR);
    Ctx other = new Ctx(4321, 4321, new int[0], 7);
    assertThat(v.getattr(other, AccessLogVfs.INO).mode()).isEqualTo(0400);
    assertThat(v.getattr(other, AccessLogVfs.INO).uid()).isEqualTo(OWNER);
    assertThatThrownBy(() -> openLog(v, other)).isInstanceOf(FsException.class).extracting(e -> ((FsException) e).errno()).isEqualTo(Errno.EACCES);
    assertThatThrownBy(() -> v.access(other, AccessLogVfs.INO, 4)).extracting(e -> ((FsException) e).errno()).isEqualTo(Errno.EACCES);
    assertThatThrownBy(() -> v.open(Ctx.ROOT, AccessLogVfs.INO, O_WRONLY)).extracting(e -> ((FsException) e).errno()).isEqualTo(Errno.EACCES);
    v.release(USER, AccessLogVfs.INO, openLog(v, USER));
    v.release(Ctx.ROOT, AccessLogVfs.INO, openLog(v, Ctx.ROOT));
    assertThatThrownBy(() -> v.unlink(Ctx.ROOT, Meta.ROOT, ".accesslog")).extracting(e -> ((FsException) e).errno()).isEqualTo(Errno.EPERM);
    assertThatThrownBy(() -> v.create(Ctx.ROOT, Meta.ROOT, ".accesslog", 0644, 0, O_RDWR)).extracting(e -> ((FsException) e).errno()).isEqualTo(Errno.EPERM);
    assertThatThrownBy(() -> v.rename(Ctx.ROOT, Meta.ROOT, ".accesslog", Meta.ROOT, "x", 0)).extracting(e -> ((FsException) e).errno()).isEqualTo(Errno.EPERM);
  }

  @Test
  void aLogFile_getsTheSameLines_isPrivate_andHasEverythingOnceTheVfsClosed() throws Exception {
    AccessLogVfs v = logged(100, HOUR);
    Path file = tmp.resolve("access.log");
    v.writeTo(file);
    long fh = openLog(v, Ctx.ROOT);
    for (int i = 0; i < 3; i++) {
      v.mkdir(USER, Meta.ROOT, "d" + i, 0755, 0);
    }
    String streamed = read(v, fh, 1 << 16);
    v.close();
    assertThat(java.nio.file.Files.readString(file)).isEqualTo(streamed);
    assertThat(streamed.lines()).hasSize(3);
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
  }

  /** Waits (generously) until the reading thread parks: it is inside the read, waiting for a line. */
  private static void awaitWaiting(Thread[] t) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (t[0] == null || (t[0].getState() != Thread.State.TIMED_WAITING && t[0].getState() != Thread.State.WAITING)) {
      assertThat(System.nanoTime()).as("reader waiting").isLessThan(deadline);
      Thread.sleep(5);
    }
  }
}
