package io.nectarfs.meta.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Cancellation;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.TestServices;
import io.nectarfs.testkit.meta.BlockingKv;
import io.nectarfs.testkit.meta.MetaTestBase;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A metadata operation cancelled while its engine round trip is held: it stops at the next check
 * point once the call returns (EINTR; ETIMEDOUT for a deadline on the injected clock), commits
 * nothing, and the engine connection keeps working. On SQLite and on PostgreSQL.
 */
class CancellationTest {
  abstract static class Cases extends MetaTestBase {
    private BlockingKv last;

    abstract TxnKv rawEngine(Path tmp) throws IOException;

    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      last = new BlockingKv(rawEngine(tmp));
      return last;
    }

    /** Runs {@code op} on another thread while the client's next write transaction is held; returns its failure. */
    private FsException heldAndStopped(Runnable stop, IoCall op) throws Exception {
      BlockingKv kv = last; // the engine of the client `meta` (opened after the formatting one)
      kv.armNextWrite();
      CompletableFuture<Void> call = CompletableFuture.runAsync(() -> {
        try {
          op.run();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, r -> Thread.ofVirtual().start(r));
      assertThat(kv.held.await(60, TimeUnit.SECONDS)).as("the write transaction reached the engine").isTrue();
      stop.run();
      assertThat(call).as("the call on the wire is not cut short").isNotDone();
      kv.release();
      Throwable t = call.handle((v, e) -> e).get(60, TimeUnit.SECONDS);
      assertThat(kv.interruptedWhileHeld()).as("no interrupt reached the engine call").isFalse();
      assertThat(t).as("the operation failed").isNotNull();
      Throwable c = t instanceof java.util.concurrent.CompletionException ? t.getCause() : t;
      c = c instanceof java.io.UncheckedIOException u ? u.getCause() : c;
      assertThat(c).isInstanceOf(FsException.class);
      return (FsException) c;
    }

    @FunctionalInterface
    interface IoCall {
      void run() throws IOException;
    }

    @Test
    void cancelledMkdir_returnsEintr_commitsNothing_andTheEngineStaysUsable() throws Exception {
      mkdir(ROOT, "warm"); // allocates the inode batch, so the held transaction is mkdir's own
      Cancellation token = Cancellation.create();
      Ctx ctx = alice.withCancellation(token);
      FsException e = heldAndStopped(token::cancel, () -> meta.mkdir(ctx, ROOT, "a", 0755, 0));
      assertThat(e.errno()).isEqualTo(Errno.EINTR);
      assertErrno(Errno.ENOENT, () -> meta.lookup(root, ROOT, "a"));
      long b = mkdir(ROOT, "b");
      assertThat(meta.lookup(root, ROOT, "b").ino()).isEqualTo(b);
      assertThat(meta.readdir(root, ROOT, null, 10, false)).extracting(d -> d.name()).containsExactlyInAnyOrder("warm", "b");
    }

    @Test
    void deadlinePassedDuringTheCall_returnsEtimedout_andTheEngineStaysUsable() throws Exception {
      long dir = mkdir(ROOT, "d");
      file(dir, "f");
      Ctx ctx = root.withTimeout(clock, Duration.ofSeconds(30));
      FsException e = heldAndStopped(() -> clock.advance(Duration.ofSeconds(31)), () -> meta.unlink(ctx, dir, "f"));
      assertThat(e.errno()).isEqualTo(Errno.ETIMEDOUT);
      assertThat(meta.lookup(root, dir, "f").attr().nlink()).isEqualTo(1);
      meta.unlink(root, dir, "f");
      meta.rmdir(root, ROOT, "d");
    }

    @Test
    void lockWaiter_wakesWithEintr_whenCancelled() throws Exception {
      long f = file(ROOT, "lockfile");
      meta.flock(root, f, 1, io.nectarfs.meta.Meta.F_WRLCK, false);
      io.nectarfs.meta.MetaClient other = newClient();
      Cancellation token = Cancellation.create();
      java.util.concurrent.atomic.AtomicReference<Throwable> outcome = new java.util.concurrent.atomic.AtomicReference<>();
      Thread waiter = Thread.ofPlatform().start(() -> {
        try {
          other.flock(root.withCancellation(token), f, 2, io.nectarfs.meta.Meta.F_WRLCK, true);
        } catch (Throwable t) {
          outcome.set(t);
        }
      });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (waiter.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
        Thread.sleep(5); // until the waiter sleeps between attempts
      }
      token.cancel();
      assertThat(waiter.join(Duration.ofSeconds(60))).isTrue();
      assertThat(outcome.get()).isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINTR));
      meta.flock(root, f, 1, io.nectarfs.meta.Meta.F_UNLCK, false);
      other.flock(root, f, 2, io.nectarfs.meta.Meta.F_WRLCK, false); // the waiter holds nothing: a fresh try succeeds
      other.flock(root, f, 2, io.nectarfs.meta.Meta.F_UNLCK, false);
    }

    @Test
    void cancelledBeforeStart_touchesNothing() throws Exception {
      Cancellation token = Cancellation.create();
      token.cancel();
      assertErrno(Errno.EINTR, () -> meta.mkdir(alice.withCancellation(token), ROOT, "x", 0755, 0));
      assertErrno(Errno.EINTR, () -> meta.getattr(alice.withCancellation(token), ROOT));
      assertErrno(Errno.ENOENT, () -> meta.lookup(root, ROOT, "x"));
    }
  }

  @Nested
  class Sqlite extends Cases {
    @Override
    TxnKv rawEngine(Path tmp) throws IOException {
      return SqliteMetaTest.open("sqlite3://" + tmp.resolve("meta/volume.db"));
    }
  }

  @Nested
  class Postgres extends Cases {
    @Override
    TxnKv rawEngine(Path tmp) throws IOException {
      return ServerTests.open(ServerTests.prefixed(TestServices.require(TestServices.POSTGRES), "Cancellation"));
    }
  }

  @AfterAll
  static void dropTables() {
    String url = System.getenv(TestServices.POSTGRES);
    if (url == null || url.isBlank()) {
      return;
    }
    try (TxnKv kv = ServerTests.open(ServerTests.prefixed(url, "Cancellation"))) {
      ((SqlKv) kv).drop();
    } catch (IOException | RuntimeException ignored) {
      // best effort: the table names are unique per run
    }
  }
}
