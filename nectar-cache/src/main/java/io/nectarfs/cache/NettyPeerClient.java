package io.nectarfs.cache;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Metrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link PeerClient} on Netty: {@link PeerClient.Options#connections} slots, each holding one
 * {@link ClientConnection} opened on first use and replaced when it dies; calls take the slots in
 * turn.
 *
 * <p>Concurrency: {@code slots} and {@code closed} are guarded by {@code this} (held only to look
 * at or replace a slot, never while waiting); the calls themselves run concurrently.
 */
final class NettyPeerClient implements PeerClient {
  private final InetSocketAddress address;
  private final String peer;
  private final GroupKey key;
  private final Options options;
  private final PeerMeters meters;
  private final ClientConnection[] slots;
  private final AtomicInteger next = new AtomicInteger();
  private boolean closed;

  NettyPeerClient(InetSocketAddress address, GroupKey key, Options options, Metrics metrics) {
    this.address = address;
    this.peer = Wire.describe(address);
    this.key = key;
    this.options = options;
    this.meters = new PeerMeters(metrics, peer);
    this.slots = new ClientConnection[options.connections()];
  }

  @Override
  public InetSocketAddress address() {
    return address;
  }

  @Override
  public byte[] get(Ctx ctx, String key, int blockLen, int off, int len) throws IOException {
    if (off < 0 || len < 0 || (long) off + len > blockLen || len > Wire.MAX_GET) {
      throw new IllegalArgumentException("range " + off + "+" + len + " outside block " + key + " of " + blockLen + " bytes");
    }
    byte[] b = (byte[]) call(ctx, Wire.Op.GET, id -> {
      ByteBuf f = Wire.frame(ByteBufAllocator.DEFAULT, Wire.GET, id, 2 + key.length() * 3 + 12);
      Wire.writeKey(f, key);
      f.writeInt(blockLen).writeInt(off).writeInt(len);
      return Wire.seal(f);
    }, Wire.DATA, ClientConnection.data(peer, key, len));
    meters.bytes.increment(b.length);
    return b;
  }

  @Override
  public BitSet has(Ctx ctx, List<Key> keys) throws IOException {
    BitSet out = new BitSet(keys.size());
    for (int from = 0; from < keys.size(); from += Wire.MAX_BATCH) {
      List<Key> part = keys.subList(from, Math.min(keys.size(), from + Wire.MAX_BATCH));
      BitSet b = (BitSet) call(ctx, Wire.Op.HAS, id -> Wire.keys(ByteBufAllocator.DEFAULT, Wire.HAS, id, part), Wire.HAS_OK, ClientConnection.bits());
      for (int i = b.nextSetBit(0); i >= 0; i = b.nextSetBit(i + 1)) {
        out.set(from + i);
      }
    }
    return out;
  }

  @Override
  public Warmed warm(Ctx ctx, List<Key> keys) throws IOException {
    int warmed = 0;
    int failed = 0;
    for (int from = 0; from < keys.size(); from += Wire.MAX_BATCH) {
      List<Key> part = keys.subList(from, Math.min(keys.size(), from + Wire.MAX_BATCH));
      Warmed w = (Warmed) call(ctx, Wire.Op.WARM, id -> Wire.keys(ByteBufAllocator.DEFAULT, Wire.WARM, id, part), Wire.WARM_OK,
          b -> new Warmed(b.readInt(), b.readInt()));
      warmed += w.warmed();
      failed += w.failed();
    }
    return new Warmed(warmed, failed);
  }

  @Override
  public Warmed warmFrom(Ctx ctx, InetSocketAddress from, List<Key> keys) throws IOException {
    int warmed = 0;
    int failed = 0;
    for (int i = 0; i < keys.size(); i += Wire.MAX_BATCH) {
      List<Key> part = keys.subList(i, Math.min(keys.size(), i + Wire.MAX_BATCH));
      Warmed w = (Warmed) call(ctx, Wire.Op.WARM_FROM, id -> Wire.keys(ByteBufAllocator.DEFAULT, Wire.WARM_FROM, id, from, part), Wire.WARM_OK,
          b -> new Warmed(b.readInt(), b.readInt()));
      warmed += w.warmed();
      failed += w.failed();
    }
    return new Warmed(warmed, failed);
  }

  @Override
  public int evict(Ctx ctx, List<Key> keys) throws IOException {
    int evicted = 0;
    for (int from = 0; from < keys.size(); from += Wire.MAX_BATCH) {
      List<Key> part = keys.subList(from, Math.min(keys.size(), from + Wire.MAX_BATCH));
      evicted += (Integer) call(ctx, Wire.Op.EVICT, id -> Wire.keys(ByteBufAllocator.DEFAULT, Wire.EVICT, id, part), Wire.EVICT_OK, b -> b.readInt());
    }
    return evicted;
  }

  @Override
  public void membersChanged(Ctx ctx) throws IOException {
    call(ctx, Wire.Op.MEMBERS, id -> Wire.seal(Wire.frame(ByteBufAllocator.DEFAULT, Wire.MEMBERS, id, 0)), Wire.MEMBERS_OK, b -> Boolean.TRUE);
  }

  @Override
  public BlockProvider.Stats stats(Ctx ctx) throws IOException {
    return (BlockProvider.Stats) call(ctx, Wire.Op.STATS, id -> Wire.seal(Wire.frame(ByteBufAllocator.DEFAULT, Wire.STATS, id, 0)), Wire.STATS_OK,
        b -> new BlockProvider.Stats(b.readLong(), b.readLong(), b.readLong()));
  }

  /** One request: a connection (opened if needed), the send, the wait, all by the call's deadline. */
  private Object call(Ctx ctx, Wire.Op op, java.util.function.Function<Integer, ByteBuf> encode, byte answer, ClientConnection.Decoder decode)
      throws IOException {
    Ctx c = ctx.withTimeout(options.clock(), options.timeout());
    meters.requests.get(op).increment();
    long t0 = System.nanoTime();
    ClientConnection conn = null;
    CompletableFuture<Object> f = null;
    try {
      c.checkCancelled();
      conn = connection(c);
      c.await(conn.ready);
      f = conn.send(encode, answer, decode);
      Object r = c.await(f);
      meters.latency.get(op).record(System.nanoTime() - t0);
      return r;
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException("peer " + peer + ": " + e.getCause(), e.getCause());
    } catch (FsException e) {
      if (e.errno() != Errno.ETIMEDOUT && e.errno() != Errno.EINTR) {
        throw e;
      }
      // the deadline passed or the caller cancelled while we waited
      if (f != null) {
        conn.abandon(f);
      } else if (conn != null && !conn.ready.isDone()) {
        conn.close(); // a handshake that did not finish in time: the next call connects afresh
      }
      meters.errors.get(PeerMeters.Cause.TIMEOUT).increment();
      throw e.errno().exception("peer " + peer + ": no answer to " + op.name().toLowerCase(java.util.Locale.ROOT)
          + (e.errno() == Errno.EINTR ? " (cancelled)" : " in time"));
    }
  }

  /** A slot's connection, opening one when the slot is empty or its connection died. */
  private synchronized ClientConnection connection(Ctx c) throws FsException {
    if (closed) {
      throw Errno.EIO.exception("client of peer " + peer + " is closed");
    }
    int i = Math.floorMod(next.getAndIncrement(), slots.length);
    ClientConnection conn = slots[i];
    if (conn == null || conn.dead()) {
      if (conn != null) {
        conn.close();
      }
      long left = Math.min(c.deadline().remainingNanos(), options.timeout().toNanos());
      conn = ClientConnection.open(address, peer, key, meters, (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left)));
      slots[i] = conn;
    }
    return conn;
  }

  @Override
  public void close() {
    ClientConnection[] open;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      open = slots.clone();
    }
    for (ClientConnection c : open) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Override
  public String toString() {
    return "PeerClient[" + peer + ", group " + key.group() + "]";
  }
}
