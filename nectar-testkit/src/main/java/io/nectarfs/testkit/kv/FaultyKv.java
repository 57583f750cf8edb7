package io.nectarfs.testkit.kv;

import io.nectarfs.meta.kv.KvConflictException;
import io.nectarfs.meta.kv.KvTxn;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.kv.KvFaults.Call;
import io.nectarfs.testkit.kv.KvFaults.Fault;
import io.nectarfs.testkit.kv.KvFaults.InjectedException;
import io.nectarfs.testkit.kv.KvFaults.Kind;
import io.nectarfs.testkit.kv.KvFaults.Point;
import java.io.IOException;
import java.util.List;

/**
 * A {@link TxnKv} that runs every transaction on the engine it wraps and asks its {@link KvFaults}
 * what goes wrong at each call and at the end.
 *
 * <p>Concurrency: as thread-safe as the engine; the state of one attempt ({@link Attempt}) belongs
 * to the thread running it. Invariant: an attempt that met an injected conflict or error never
 * commits (the body is aborted with {@link Rollback} after it returns, so the engine rolls back).
 */
final class FaultyKv implements TxnKv {
  private final TxnKv engine;
  private final KvFaults faults;

  FaultyKv(TxnKv engine, KvFaults faults) {
    this.engine = engine;
    this.faults = faults;
  }

  /** Thrown out of the engine's transaction to make it roll back; replaced by {@link #failure}. */
  private static final class Rollback extends IOException {
    private static final long serialVersionUID = 1L;
    final transient IOException failure;

    Rollback(IOException failure) {
      super(failure.getMessage());
      this.failure = failure;
    }
  }

  /** One attempt of one transaction. */
  private final class Attempt {
    final Kind kind;
    final long txn = faults.nextTxn();
    int calls;
    /** The injected failure the body saw (and may have swallowed); the attempt cannot commit. */
    IOException failed;
    /** The call that failed. */
    Call failedAt;

    Attempt(Kind kind) {
      this.kind = kind;
    }

    void before(Point point) throws IOException {
      if (failed != null) {
        throw failed; // the engine refuses every call of an aborted transaction
      }
      Call call = new Call(point, kind, txn, calls++);
      Fault f = faults.decide(call);
      if (f == Fault.CONFLICT || f == Fault.ERROR) {
        failedAt = call;
      }
      switch (f) {
        case NONE, COMMIT_UNACKNOWLEDGED -> {}
        case LATENCY -> faults.pause();
        case CONFLICT -> {
          failed = new KvConflictException("injected conflict at " + point + " on " + engine.describe());
          throw failed;
        }
        case ERROR -> {
          failed = new InjectedException("injected error at " + point + " on " + engine.describe());
          throw failed;
        }
      }
    }
  }

  private <T> T attempt(Kind kind, Body<T> body, Runner<T> runner) throws IOException {
    Attempt a = new Attempt(kind);
    Fault[] atEnd = {Fault.NONE};
    boolean conflicted = false;
    try {
      T result = runner.run(tx -> {
        T r = body.run(new FaultyTxn(tx, a));
        if (a.failed != null) {
          throw new Rollback(a.failed);
        }
        Call commit = new Call(Point.COMMIT, kind, a.txn, a.calls++);
        atEnd[0] = faults.decide(commit);
        switch (atEnd[0]) {
          case LATENCY -> faults.pause();
          case CONFLICT -> {
            a.failedAt = commit;
            throw new Rollback(new KvConflictException("injected conflict at commit on " + engine.describe()));
          }
          case ERROR -> throw new Rollback(new InjectedException("injected error at commit on " + engine.describe() + ": the commit did not happen"));
          default -> {}
        }
        return r;
      });
      if (atEnd[0] == Fault.COMMIT_UNACKNOWLEDGED) {
        throw new InjectedException("injected error after commit on " + engine.describe() + ": the commit happened");
      }
      return result;
    } catch (Rollback r) {
      conflicted = r.failure instanceof KvConflictException;
      if (conflicted && a.failedAt != null) {
        faults.conflicted(a.failedAt);
      }
      throw r.failure;
    } catch (KvConflictException e) {
      conflicted = true;
      if (e == a.failed) {
        faults.conflicted(a.failedAt);
      }
      throw e;
    } finally {
      faults.ended(conflicted);
    }
  }

  @FunctionalInterface
  private interface Runner<T> {
    T run(Body<T> body) throws IOException;
  }

  @Override
  public <T> T txn(Body<T> body) throws IOException {
    return attempt(Kind.WRITE, body, engine::txn);
  }

  @Override
  public <T> T read(Body<T> body) throws IOException {
    return attempt(Kind.READ, body, engine::read);
  }

  @Override
  public <T> Bulk<T> bulkRead(int pageSize, Body<T> body) throws IOException {
    @SuppressWarnings("unchecked")
    Bulk<T>[] out = new Bulk[1];
    attempt(Kind.BULK, body, b -> {
      out[0] = engine.bulkRead(pageSize, b);
      return out[0].value();
    });
    return out[0];
  }

  @Override
  public String describe() {
    return engine.describe();
  }

  /** The engine's capabilities: notifications pass through untouched (faults hit transactions only). */
  @Override
  public <T> java.util.Optional<T> capability(Class<T> type) {
    return engine.capability(type);
  }

  @Override
  public void reset() throws IOException {
    engine.reset();
  }

  @Override
  public void close() throws IOException {
    engine.close();
  }

  @Override
  public String toString() {
    return "FaultyKv[" + engine + "]";
  }

  /** The operations of one attempt, each preceded by the plan's decision. */
  private static final class FaultyTxn implements KvTxn {
    private final KvTxn tx;
    private final Attempt a;

    FaultyTxn(KvTxn tx, Attempt a) {
      this.tx = tx;
      this.a = a;
    }

    @Override
    public byte[] get(byte[] key) throws IOException {
      a.before(Point.GET);
      return tx.get(key);
    }

    @Override
    public List<byte[]> getAll(List<byte[]> keys) throws IOException {
      a.before(Point.GET_ALL);
      return tx.getAll(keys);
    }

    @Override
    public void scan(byte[] start, byte[] end, int limit, Visitor visitor) throws IOException {
      a.before(Point.SCAN);
      tx.scan(start, end, limit, visitor);
    }

    @Override
    public void put(byte[] key, byte[] value) throws IOException {
      a.before(Point.PUT);
      tx.put(key, value);
    }

    @Override
    public void delete(byte[] key) throws IOException {
      a.before(Point.DELETE);
      tx.delete(key);
    }

    @Override
    public long incrBy(byte[] key, long delta) throws IOException {
      a.before(Point.INCR);
      return tx.incrBy(key, delta);
    }
  }
}
