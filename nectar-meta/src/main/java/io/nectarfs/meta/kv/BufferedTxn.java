package io.nectarfs.meta.kv;

import java.io.IOException;

/**
 * A {@link KvTxn} over a {@link WriteBuffer} and the engine's committed state: the shape of a
 * transaction for engines that apply writes at commit. Engines that must track what was read (to
 * detect conflicts) wrap {@link WriteBuffer.Base} to record it.
 */
public final class BufferedTxn implements KvTxn {
  private final WriteBuffer buf;
  private final WriteBuffer.Base base;
  private final boolean readOnly;

  public BufferedTxn(WriteBuffer buf, WriteBuffer.Base base, boolean readOnly) {
    this.buf = buf;
    this.base = base;
    this.readOnly = readOnly;
  }

  @Override
  public byte[] get(byte[] key) throws IOException {
    return buf.get(key, base);
  }

  @Override
  public java.util.List<byte[]> getAll(java.util.List<byte[]> keys) throws IOException {
    return buf.getAll(keys, base);
  }

  @Override
  public void prefetch(java.util.List<byte[]> keys, java.util.List<byte[]> prefixes) throws IOException {
    base.prefetch(keys, prefixes);
  }

  @Override
  public void scan(byte[] start, byte[] end, int limit, Visitor visitor) throws IOException {
    buf.scan(start, end, limit, visitor, base);
  }

  @Override
  public void put(byte[] key, byte[] value) {
    checkWritable();
    buf.put(key, value);
  }

  @Override
  public void delete(byte[] key) {
    checkWritable();
    buf.delete(key);
  }

  @Override
  public long incrBy(byte[] key, long delta) throws IOException {
    checkWritable();
    byte[] v = get(key);
    long n = (v == null ? 0 : Bytes.getU64(v, 0)) + delta;
    buf.put(key, Bytes.u64(n));
    return n;
  }

  private void checkWritable() {
    if (readOnly) {
      throw new IllegalStateException("write in a read-only transaction");
    }
  }
}
