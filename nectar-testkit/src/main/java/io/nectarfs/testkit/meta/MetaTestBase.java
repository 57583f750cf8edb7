package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.kv.KvFaults;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every metadata conformance suite shares: a freshly formatted volume on the engine under
 * test, a second client on demand, and a consistency check after every test that must find
 * nothing wrong. An engine plugs in by implementing {@link MetaEngineHook}; with {@link
 * MetaEngineHook#faults} every connection of the test runs under a {@link KvFaults} wrapper.
 */
public abstract class MetaTestBase implements MetaEngineHook {
  @TempDir protected Path tmp;
  protected final TestClock clock = new TestClock();
  protected final RecordingDeleter deleter = new RecordingDeleter();
  protected TxnKv engine;
  /** The fault plan of this test ({@link MetaEngineHook#faults}), or null. */
  protected KvFaults plan;
  protected MetaClient meta;
  protected final Ctx root = Ctx.ROOT;
  protected final Ctx alice = new Ctx(1000, 1000, new int[] {1000, 50}, 1);
  protected final Ctx bob = new Ctx(1001, 1001, new int[] {1001}, 2);
  private final List<MetaClient> clients = new ArrayList<>();
  private final List<TxnKv> engines = new ArrayList<>();

  /** Trash days of the volume each test formats; suites about the trash override it. */
  protected int trashDays() {
    return 0;
  }

  protected Format newFormat() {
    return Format.builder("test-vol", "mem://test").checksum(false).trashDays(trashDays()).createdMillis(clock.nowMillis())
        .storageLayout(Format.LAYOUT_NAME).build();
  }

  protected MetaConfig config() {
    return MetaConfig.defaults().withBackground(false).withClock(clock).withHeartbeat(Duration.ofSeconds(1)).withFreeDelay(Duration.ZERO);
  }

  @BeforeEach
  void formatVolume() throws IOException {
    plan = faults();
    engine = connect();
    engine.reset();
    MetaClient.format(engine, newFormat(), false, clock);
    meta = newClient();
  }

  /** Another client of the same volume, with its own engine connection and session. */
  protected MetaClient newClient() throws IOException {
    return newClient(config());
  }

  /** The same with its own configuration (e.g. background heartbeats on). */
  protected MetaClient newClient(MetaConfig config) throws IOException {
    MetaClient c = MetaClient.open(connect(), config);
    c.onSliceFreed(deleter);
    clients.add(c);
    return c;
  }

  /** A connection to the test's volume, under the test's faults. */
  private TxnKv connect() throws IOException {
    TxnKv kv = openEngine(tmp);
    engines.add(kv);
    return plan == null ? kv : plan.wrap(kv);
  }

  @AfterEach
  void checkConsistency() throws IOException {
    try {
      List<MetaClient> live = clients.stream().filter(c -> !c.isClosed()).toList();
      for (MetaClient c : live) {
        c.runBackgroundJobs();
      }
      MetaClient checker = live.isEmpty() ? newClient() : live.getFirst();
      List<String> problems = checker.check();
      assertThat(problems).as("metadata consistency after the test").isEmpty();
      if (this instanceof RetryableFaults && plan != null && plan.transactions() >= 50) {
        // The suite really ran under faults (a wrapper left out would pass unnoticed).
        assertThat(plan.injected(KvFaults.Fault.CONFLICT)).as("conflicts injected in %d transactions", plan.transactions()).isPositive();
      }
    } finally {
      for (MetaClient c : clients) {
        try {
          c.close();
        } catch (IOException | RuntimeException ignored) {
          // best effort
        }
      }
      for (TxnKv kv : engines) {
        try {
          kv.close();
        } catch (IOException | RuntimeException ignored) {
          // best effort
        }
      }
    }
  }

  /** Asserts that {@code call} fails with {@code errno}. */
  protected static void assertErrno(Errno errno, ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOf(FsException.class).satisfies(e -> assertThat(((FsException) e).errno()).isEqualTo(errno));
  }

  protected long mkdir(long parent, String name) throws IOException {
    return meta.mkdir(root, parent, name, 0755, 0).ino();
  }

  protected long file(long parent, String name) throws IOException {
    return meta.mknod(root, parent, name, io.nectarfs.meta.FileType.FILE, 0644, 0, 0).ino();
  }

  protected static final long ROOT = Meta.ROOT;
}
