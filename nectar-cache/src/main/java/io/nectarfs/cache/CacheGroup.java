package io.nectarfs.cache;

import io.micrometer.core.instrument.Gauge;
import io.nectarfs.chunk.BlockSource;
import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Errno;
import io.nectarfs.common.Metrics;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.MetaClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process in a cache group: a member that serves its share of the blocks ({@code nectar
 * mount --cache-group}, {@code nectar cache-node}), or a consumer that only reads from the members
 * ({@code --no-sharing}, {@code nectar warmup --cache-group}).
 *
 * <p>Life: {@link #create} before the volume opens (its {@link #blockSource()} goes into the
 * volume's options), {@link #start} once the volume is open (the group key needs the volume's
 * UUID; a member starts its peer server and advertises it in its session), {@link #close} before
 * the volume closes. Until {@link #start} and while no other member is known, the block source
 * answers nothing and reads go to the object store.
 *
 * <p>Concurrency: {@link #start} and {@link #close} are called once each, by the owner; a single
 * daemon thread re-reads the membership every {@link Options#refresh}, and once more (coalesced)
 * when a peer says it changed; {@link #refresh} may also be called from any thread. The view it
 * builds is swapped atomically in the {@link GroupSource}. A member tells the others it knows,
 * from virtual threads, when it has started and when it closes (close waits for those calls, each
 * bounded by the peer timeout).
 */
public final class CacheGroup implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CacheGroup.class);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /**
   * How this process takes part.
   *
   * @param name the group's name (letters, digits, {@code . _ -}, at most 64)
   * @param listen where a member's peer server listens (port 0: any free port), or null for a
   *     consumer that serves nothing
   * @param advertiseHost the host other members reach this one at, or null: the listen address,
   *     or this machine's address when that is a wildcard
   * @param weight this member's share of the blocks relative to the others (e.g. its cache size in GiB)
   * @param cacheBytes this member's cache capacity, advertised and reported in stats
   * @param peerTimeout how long a read waits for a peer before it falls back to the object store
   * @param refresh how often the membership is re-read from the metadata engine
   * @param clock the time source of deadlines and suspect marks
   */
  public record Options(String name, InetSocketAddress listen, String advertiseHost, double weight, long cacheBytes,
      Duration peerTimeout, Duration refresh, Clock clock) {
    public Options {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("cache group name '" + name + "' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
      }
      if (!(weight > 0) || Double.isInfinite(weight)) {
        throw new IllegalArgumentException("cache group weight must be a positive number, got " + weight);
      }
    }

    /** A consumer of group {@code name}: 2 s peer timeout, membership re-read every 5 s. */
    public static Options consumer(String name) {
      return new Options(name, null, null, 1, 0, Duration.ofSeconds(2), Duration.ofSeconds(5), Clock.SYSTEM);
    }

    public Options serving(InetSocketAddress address, String host) {
      return new Options(name, address, host, weight, cacheBytes, peerTimeout, refresh, clock);
    }

    public Options withWeight(double w, long bytes) {
      return new Options(name, listen, advertiseHost, w, bytes, peerTimeout, refresh, clock);
    }

    public Options withTimeouts(Duration peer, Duration every) {
      return new Options(name, listen, advertiseHost, weight, cacheBytes, peer, every, clock);
    }

    public Options withClock(Clock c) {
      return new Options(name, listen, advertiseHost, weight, cacheBytes, peerTimeout, refresh, c);
    }
  }

  private final Options options;
  private final Metrics metrics;
  private final GroupSource source;
  private MetaClient meta;
  private GroupKey key;
  private PeerServer server;
  private String self;
  private ScheduledExecutorService refresher;
  private final java.util.concurrent.atomic.AtomicBoolean refreshQueued = new java.util.concurrent.atomic.AtomicBoolean();

  private CacheGroup(Options options, Metrics metrics) {
    this.options = options;
    this.metrics = metrics;
    this.source = new GroupSource(options.peerTimeout(), options.clock(), metrics);
  }

  /** A process in group {@code options.name()}, not started. */
  public static CacheGroup create(Options options, Metrics metrics) {
    return new CacheGroup(options, metrics);
  }

  /** What the volume's chunk store asks before the object store. */
  public BlockSource blockSource() {
    return source;
  }

  /**
   * Joins: derives the group key (token from {@code secrets}), starts the peer server over {@code
   * chunks} and advertises it (members), reads the membership and keeps re-reading it.
   *
   * @param chunks the serving side of a member ({@code Volume.chunks()}); ignored for a consumer
   * @throws IOException one line: no token, a taken port, a read-only client asked to serve
   */
  public void start(MetaClient meta, ChunkStore chunks, Secrets secrets) throws IOException {
    this.meta = meta;
    this.key = GroupKey.fromSecrets(secrets, UUID.fromString(meta.format().uuid()), options.name());
    if (options.listen() != null) {
      server = PeerServer.start(options.listen(), key, new ChunkProvider(chunks, options.cacheBytes()), metrics);
      String host = options.advertiseHost() != null ? options.advertiseHost() : advertisedHost(options.listen());
      self = Membership.address(host, server.port());
      try {
        meta.advertise(Membership.advert(options.name(), host, server.port(), options.weight(), options.cacheBytes()));
      } catch (IOException | RuntimeException e) {
        server.close();
        throw e;
      }
      log.info("cache group {}: member {} (weight {}, cache {} bytes)", options.name(), self, options.weight(), options.cacheBytes());
    }
    refresher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("nectar-cache-group").factory());
    if (server != null) {
      server.onMembersChanged(this::refreshSoon);
    }
    refresh();
    Gauge.builder("nectar_cache_group_members", source, s -> s.ring().members().size())
        .description("members of the cache group this process sees").register(metrics.registry());
    long every = options.refresh().toMillis();
    refresher.scheduleWithFixedDelay(this::refreshQuietly, every, every, TimeUnit.MILLISECONDS);
    if (server != null) {
      tellMembers(); // they see this member now, not at their next refresh
    }
  }

  /** Refreshes on the refresher thread, once for any number of calls until it runs. */
  private void refreshSoon() {
    if (refreshQueued.compareAndSet(false, true)) {
      try {
        refresher.execute(() -> {
          refreshQueued.set(false);
          refreshQuietly();
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        refreshQueued.set(false); // closing
      }
    }
  }

  /**
   * Tells every other member, in the background, that the membership changed (see {@link
   * PeerClient#membersChanged}); one that cannot be reached learns it at its next refresh. Returns
   * the threads that tell them.
   */
  private List<Thread> tellMembers() {
    List<Thread> telling = new java.util.ArrayList<>();
    for (Member m : source.ring().members()) {
      if (m.id().equals(self)) {
        continue;
      }
      PeerClient c = source.client(m);
      telling.add(Thread.ofVirtual().name("nectar-cache-group-tell").start(() -> {
        try {
          c.membersChanged(io.nectarfs.common.Ctx.ROOT);
        } catch (IOException | RuntimeException e) {
          log.debug("cache group {}: telling {} of the change failed: {}", options.name(), m.id(), e.toString());
        }
      }));
    }
    return telling;
  }

  private static String advertisedHost(InetSocketAddress listen) throws IOException {
    InetAddress a = listen.getAddress();
    if (a != null && !a.isAnyLocalAddress()) {
      return a.getHostAddress();
    }
    return InetAddress.getLocalHost().getHostAddress();
  }

  /** Re-reads the members from the sessions now. */
  public void refresh() throws IOException {
    List<Member> members = Membership.members(meta.sessions(), options.name(), options.clock().nowMillis());
    List<Member> before = source.ring().members();
    source.update(members, self, key);
    if (!before.equals(members)) {
      log.info("cache group {}: {} member(s) {}", options.name(), members.size(), members.stream().map(Member::id).toList());
    }
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (IOException | RuntimeException e) {
      log.warn("cache group {}: cannot read the membership ({}); keeping the last one", options.name(), e.getMessage());
    }
  }

  /** The members as last read. */
  public List<Member> members() {
    return source.ring().members();
  }

  /** This member's id ({@code host:port}), or null for a consumer. */
  public String self() {
    return self;
  }

  /** The peer server's port, or -1 for a consumer. */
  public int port() {
    return server == null ? -1 : server.port();
  }

  /** Placement of blocks on the members as last read. */
  public Ring ring() {
    return source.ring();
  }

  /** Warm-up, check and eviction of blocks across the group (what {@code nectar warmup --cache-group} does). */
  public GroupBlocks blocks() {
    if (key == null) {
      throw new IllegalStateException("the cache group is not started");
    }
    return new GroupBlocks(options.name(), source, key, metrics);
  }

  /** Whether some member is known; else an error that says how a group comes to be. */
  public void requireMembers() throws IOException {
    if (members().isEmpty()) {
      throw Errno.ENOENT.exception("cache group " + options.name() + " has no live member in this volume: members join with "
          + "'nectar mount ... --cache-group " + options.name() + "' or 'nectar cache-node ... --cache-group " + options.name() + "'");
    }
  }

  @Override
  public void close() {
    if (refresher != null) {
      refresher.shutdownNow();
    }
    if (server != null && meta != null) {
      try {
        meta.advertise(Map.of()); // not when the session expires: at once, as the others are told
        long deadline = System.nanoTime() + options.peerTimeout().toNanos(); // each call ends by then too
        for (Thread t : tellMembers()) {
          t.join(java.time.Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException | RuntimeException e) {
        log.debug("cache group {}: withdrawing the advert failed: {}", options.name(), e.getMessage());
      }
    }
    source.close();
    if (server != null) {
      server.close();
    }
  }
}
