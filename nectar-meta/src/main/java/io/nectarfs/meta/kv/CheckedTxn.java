package io.nectarfs.meta.kv;

import io.nectarfs.common.Ctx;
import java.io.IOException;
import java.util.List;

/**
 * A transaction whose every call is a cancellation check point of {@code ctx}: a cancelled (or
 * timed-out) operation stops before its next engine round trip. The failure is thrown from inside
 * the body, so the engine rolls the transaction back and nothing of it is written; a call already
 * on the wire is never interrupted.
 */
final class CheckedTxn implements KvTxn {
  private final KvTxn tx;
  private final Ctx ctx;

  CheckedTxn(KvTxn tx, Ctx ctx) {
    this.tx = tx;
    this.ctx = ctx;
  }

  @Override
  public byte[] get(byte[] key) throws IOException {
    ctx.checkCancelled();
    return tx.get(key);
  }

  @Override
  public List<byte[]> getAll(List<byte[]> keys) throws IOException {
    ctx.checkCancelled();
    return tx.getAll(keys);
  }

  @Override
  public void snapshotNow() throws IOException {
    tx.snapshotNow();
  }

  @Override
  public void prefetch(List<byte[]> keys, List<byte[]> prefixes) throws IOException {
    ctx.checkCancelled();
    tx.prefetch(keys, prefixes);
  }

  @Override
  public void scan(byte[] start, byte[] end, int limit, Visitor visitor) throws IOException {
    ctx.checkCancelled();
    tx.scan(start, end, limit, visitor);
  }

  @Override
  public void put(byte[] key, byte[] value) throws IOException {
    ctx.checkCancelled();
    tx.put(key, value);
  }

  @Override
  public void delete(byte[] key) throws IOException {
    ctx.checkCancelled();
    tx.delete(key);
  }

  @Override
  public long incrBy(byte[] key, long delta) throws IOException {
    ctx.checkCancelled();
    return tx.incrBy(key, delta);
  }
}
