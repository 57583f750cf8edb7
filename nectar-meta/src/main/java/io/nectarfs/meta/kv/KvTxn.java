package io.nectarfs.meta.kv;

import java.io.IOException;

/**
 * The operations inside one {@link TxnKv} transaction. Reads see the transaction's own writes.
 */
public interface KvTxn {
  /** The value of {@code key}, or null. */
  byte[] get(byte[] key) throws IOException;

  /**
   * The values of several keys (null where missing), in the order given. Engines that can read
   * many keys in one round trip override this; the default reads them one by one.
   */
  default java.util.List<byte[]> getAll(java.util.List<byte[]> keys) throws IOException {
    java.util.List<byte[]> out = new java.util.ArrayList<>(keys.size());
    for (byte[] k : keys) {
      out.add(get(k));
    }
    return out;
  }

  /**
   * A hint, before a read's first read, that the body will read more than one statement's worth
   * (a point read, then scans): an engine that starts a read's snapshot lazily (the SQL engines
   * run a read of one statement without BEGIN, and check the first statement's keys again when a
   * second one comes) starts it now instead. Changes no result; the default does nothing.
   */
  default void snapshotNow() throws IOException {}

  /**
   * A hint that the body will soon {@link #get} these keys: engines with a cost per round trip read
   * the ones not read yet in one round trip now and answer the later reads from what they fetched,
   * still inside the transaction (conflicts are detected as for any read). Changes no result; the
   * default does nothing. Callers pass the keys an operation reads before it can know more.
   */
  default void prefetch(java.util.List<byte[]> keys) throws IOException {
    prefetch(keys, java.util.List.of());
  }

  /**
   * {@link #prefetch(java.util.List)} of {@code keys}, and of the keys under each of {@code
   * prefixes} that a {@link #scan} of exactly {@code [prefix, Bytes.prefixEnd(prefix))} will visit
   * (meant for ranges that are usually empty or small). The default does nothing.
   */
  default void prefetch(java.util.List<byte[]> keys, java.util.List<byte[]> prefixes) throws IOException {}

  /**
   * Visits keys in ascending unsigned-byte order from {@code start} (inclusive) to {@code end}
   * (exclusive) until the visitor returns false or {@code limit} keys were visited ({@code limit
   * <= 0}: no limit).
   */
  void scan(byte[] start, byte[] end, int limit, Visitor visitor) throws IOException;

  /** Sets {@code key} to {@code value}. */
  void put(byte[] key, byte[] value) throws IOException;

  /** Removes {@code key}; a missing key is not an error. */
  void delete(byte[] key) throws IOException;

  /**
   * Adds {@code delta} to the counter at {@code key} (an 8-byte big-endian signed value; missing
   * means 0) and returns the new value.
   */
  long incrBy(byte[] key, long delta) throws IOException;

  /** Receives scanned pairs. */
  @FunctionalInterface
  interface Visitor {
    /** Returns false to stop the scan. */
    boolean visit(byte[] key, byte[] value) throws IOException;
  }
}
