package io.nectarfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Metrics;
import io.nectarfs.fuse.linux.NativeException;
import io.nectarfs.fuse.wire.InitState;
import io.nectarfs.fuse.wire.Proto;
import io.nectarfs.vfs.Vfs;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link Passthrough}: the kernel's io-mode rules as decisions, refusal fallback, backing id lifetime. */
class PassthroughTest {
  private static final InitState WITH_PASSTHROUGH = new InitState(7, 39, 45, Proto.PASSTHROUGH, 0, 1 << 20, 0, 256, 64, 48, 1);

  /** A kernel that hands out ids 1, 2, … (or fails with {@code errno}) and records closes. */
  private static final class FakeKernel implements Passthrough.Kernel {
    final AtomicInteger opens = new AtomicInteger();
    final List<Integer> closed = new ArrayList<>();
    volatile int errno;

    @Override
    public int open(String path) throws NativeException {
      opens.incrementAndGet();
      if (errno != 0) {
        throw new NativeException("ioctl FUSE_DEV_IOC_BACKING_OPEN", errno);
      }
      return opens.get();
    }

    @Override
    public synchronized void close(int backingId) {
      closed.add(backingId);
    }
  }

  /** A Vfs whose only answer is a backing file (every file is fully cached). */
  private static Vfs cachedVfs(AtomicInteger asked) {
    return (Vfs) Proxy.newProxyInstance(Vfs.class.getClassLoader(), new Class<?>[] {Vfs.class}, (p, m, args) -> {
      if (m.getName().equals("backingFile")) {
        asked.incrementAndGet();
        return new Vfs.Backing(Path.of("/cache/passthrough/" + args[1]), null);
      }
      throw new UnsupportedOperationException(m.getName());
    });
  }

  private final Metrics metrics = Metrics.create();
  private final FakeKernel kernel = new FakeKernel();
  private final AtomicInteger asked = new AtomicInteger();
  private final Vfs vfs = cachedVfs(asked);
  private final Passthrough pt = new Passthrough(true, kernel, () -> WITH_PASSTHROUGH, metrics);

  private double fallbacks(String reason) {
    Counter c = metrics.registry().find("nectar_fuse_passthrough_fallbacks").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void readOnlyOpens_shareOneBackingId_closedAtTheLastRelease() throws Exception {
    Passthrough.Decision a = pt.opened(vfs, Ctx.ROOT, 5, 100, false, false);
    Passthrough.Decision b = pt.opened(vfs, Ctx.ROOT, 5, 101, false, true); // O_DIRECT may only share
    assertThat(a.openFlags()).isEqualTo(Proto.FOPEN_PASSTHROUGH);
    assertThat(b.backingId()).isEqualTo(a.backingId()).isPositive();
    assertThat(kernel.opens.get()).isEqualTo(1);
    pt.released(5, 100);
    assertThat(kernel.closed).isEmpty();
    pt.released(5, 101);
    assertThat(kernel.closed).containsExactly(a.backingId());
    assertThat(metrics.registry().get("nectar_fuse_passthrough_opens").counter().count()).isEqualTo(2);
  }

  @Test
  void aReaderBesideAnOtherOpen_takesTheNormalPath() throws Exception {
    assertThat(pt.opened(vfs, Ctx.ROOT, 5, 100, true, false)).isEqualTo(Passthrough.Decision.NORMAL);
    assertThat(pt.opened(vfs, Ctx.ROOT, 5, 101, false, false)).isEqualTo(Passthrough.Decision.NORMAL);
    assertThat(asked.get()).as("no backing file is built").isZero();
    assertThat(fallbacks("other-open")).isEqualTo(1);
    pt.released(5, 100);
    pt.released(5, 101);
    assertThat(pt.opened(vfs, Ctx.ROOT, 5, 102, false, false).backingId()).isPositive();
  }

  @Test
  void aWriter_waitsForThePassthroughOpens_thenProceeds_orGetsEtxtbsy() throws Exception {
    pt.opened(vfs, Ctx.ROOT, 5, 100, false, false);
    CompletableFuture<Passthrough.Decision> writer = CompletableFuture.supplyAsync(() -> {
      try {
        return pt.opened(vfs, Ctx.ROOT, 5, 200, true, false);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    pt.released(5, 100); // whether the writer waits already or not, it must then go ahead
    assertThat(writer.get(60, TimeUnit.SECONDS)).isEqualTo(Passthrough.Decision.NORMAL);
    pt.released(5, 200);

    pt.opened(vfs, Ctx.ROOT, 6, 300, false, false);
    assertThatThrownBy(() -> pt.opened(vfs, Ctx.ROOT, 6, 301, true, false))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ETXTBSY));
    assertThat(pt.passthroughOpens(6)).isEqualTo(1);
  }

  @Test
  void aKernelRefusal_fallsBackOnce_andIsNotAskedAgain() throws Exception {
    kernel.errno = 1; // EPERM: no CAP_SYS_ADMIN
    assertThat(pt.opened(vfs, Ctx.ROOT, 5, 100, false, false)).isEqualTo(Passthrough.Decision.NORMAL);
    assertThat(pt.opened(vfs, Ctx.ROOT, 6, 101, false, false)).isEqualTo(Passthrough.Decision.NORMAL);
    assertThat(kernel.opens.get()).isEqualTo(1);
    assertThat(fallbacks("kernel")).isEqualTo(2);
    // the normal opens do not block a writer
    assertThat(pt.opened(vfs, Ctx.ROOT, 5, 102, true, false)).isEqualTo(Passthrough.Decision.NORMAL);
  }

  @Test
  void withoutPassthroughAtInit_orDisabled_nothingIsAsked() throws Exception {
    Passthrough noInit = new Passthrough(true, kernel, () -> new InitState(7, 39, 45, 0, 0, 1 << 20, 0, 256, 64, 48, 1), metrics);
    assertThat(noInit.opened(vfs, Ctx.ROOT, 5, 100, false, false)).isEqualTo(Passthrough.Decision.NORMAL);
    Passthrough off = new Passthrough(false, kernel, () -> WITH_PASSTHROUGH, metrics);
    assertThat(off.opened(vfs, Ctx.ROOT, 5, 101, false, false)).isEqualTo(Passthrough.Decision.NORMAL);
    assertThat(asked.get()).isZero();
    assertThat(kernel.opens.get()).isZero();
  }
}
