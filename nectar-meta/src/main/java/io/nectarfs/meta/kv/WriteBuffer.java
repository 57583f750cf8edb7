package io.nectarfs.meta.kv;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The writes of one transaction kept in memory until commit, for engines that apply them at once
 * at the end (Redis MULTI/EXEC, the in-memory engine). Reads through it see the transaction's own
 * writes; scans merge the buffer with the engine's ordered scan.
 *
 * <p>Not thread-safe: a transaction belongs to one thread.
 */
public final class WriteBuffer {
  private static final byte[] TOMBSTONE = new byte[0];
  private final TreeMap<byte[], byte[]> writes = new TreeMap<>(Bytes.ORDER);

  /** The engine's committed state, read without the buffer. */
  public interface Base {
    byte[] get(byte[] key) throws IOException;

    /** Several committed values at once (null where missing); the default reads one by one. */
    default List<byte[]> getAll(List<byte[]> keys) throws IOException {
      List<byte[]> out = new ArrayList<>(keys.size());
      for (byte[] k : keys) {
        out.add(get(k));
      }
      return out;
    }

    void scan(byte[] start, byte[] end, KvTxn.Visitor visitor) throws IOException;

    /** See {@link KvTxn#prefetch}: a hint; the default does nothing. */
    default void prefetch(List<byte[]> keys, List<byte[]> prefixes) throws IOException {}
  }

  public void put(byte[] key, byte[] value) {
    writes.put(key.clone(), value.clone());
  }

  public void delete(byte[] key) {
    writes.put(key.clone(), TOMBSTONE);
  }

  public boolean isEmpty() {
    return writes.isEmpty();
  }

  /** Values of several keys: buffered ones from here, the rest from the base in one call. */
  public List<byte[]> getAll(List<byte[]> keys, Base base) throws IOException {
    List<byte[]> out = new ArrayList<>(java.util.Collections.nCopies(keys.size(), (byte[]) null));
    List<byte[]> missing = new ArrayList<>();
    List<Integer> where = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      byte[] v = writes.get(keys.get(i));
      if (v == null) {
        missing.add(keys.get(i));
        where.add(i);
      } else {
        out.set(i, v == TOMBSTONE ? null : v);
      }
    }
    if (!missing.isEmpty()) {
      List<byte[]> got = base.getAll(missing);
      for (int j = 0; j < where.size(); j++) {
        out.set(where.get(j), got.get(j));
      }
    }
    return out;
  }

  /** Buffered value: {@code null} when not written here, else the value (or null if deleted). */
  public byte[] get(byte[] key, Base base) throws IOException {
    byte[] v = writes.get(key);
    if (v == null) {
      return base.get(key);
    }
    return v == TOMBSTONE ? null : v;
  }

  /** A write to apply at commit; {@code value == null} is a deletion. */
  public record Op(byte[] key, byte[] value) {}

  /** The writes to apply at commit, in key order. */
  public List<Op> pending() {
    List<Op> out = new ArrayList<>(writes.size());
    for (Map.Entry<byte[], byte[]> e : writes.entrySet()) {
      out.add(new Op(e.getKey(), e.getValue() == TOMBSTONE ? null : e.getValue()));
    }
    return out;
  }

  /** Merged ordered scan of the base and the buffer. */
  public void scan(byte[] start, byte[] end, int limit, KvTxn.Visitor visitor, Base base) throws IOException {
    var overlay = end == null ? writes.tailMap(start, true) : writes.subMap(start, true, end, false);
    var it = overlay.entrySet().iterator();
    Map.Entry<byte[], byte[]>[] head = new Map.Entry[] {it.hasNext() ? it.next() : null};
    int[] count = {0};
    boolean[] stopped = {false};
    base.scan(start, end, (k, v) -> {
      // Emit buffered keys that sort before this base key.
      while (head[0] != null && Bytes.ORDER.compare(head[0].getKey(), k) < 0) {
        if (!emit(head[0], visitor, count, limit)) {
          stopped[0] = true;
          return false;
        }
        head[0] = it.hasNext() ? it.next() : null;
      }
      if (head[0] != null && Bytes.ORDER.compare(head[0].getKey(), k) == 0) {
        Map.Entry<byte[], byte[]> e = head[0];
        head[0] = it.hasNext() ? it.next() : null;
        if (!emit(e, visitor, count, limit)) {
          stopped[0] = true;
          return false;
        }
        return true;
      }
      if (limit > 0 && count[0] >= limit) {
        stopped[0] = true;
        return false;
      }
      count[0]++;
      if (!visitor.visit(k, v)) {
        stopped[0] = true;
        return false;
      }
      return true;
    });
    if (stopped[0]) {
      return;
    }
    while (head[0] != null) {
      if (!emit(head[0], visitor, count, limit)) {
        return;
      }
      head[0] = it.hasNext() ? it.next() : null;
    }
  }

  private static boolean emit(Map.Entry<byte[], byte[]> e, KvTxn.Visitor v, int[] count, int limit) throws IOException {
    if (e.getValue() == TOMBSTONE) {
      return true;
    }
    if (limit > 0 && count[0] >= limit) {
      return false;
    }
    count[0]++;
    return v.visit(e.getKey(), e.getValue());
  }
}
