package io.nectarfs.testkit.kv;

import io.nectarfs.meta.kv.Bytes;
import io.nectarfs.meta.kv.KvTxn;
import io.nectarfs.meta.kv.Transactions;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.meta.MetaEngineHook;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the {@link TxnKvContract} tests share: a store from the engine's {@link MetaEngineHook} (the
 * same hook as the metadata suites), reset before and after each test, more clients of it on
 * demand, and small helpers for keys and values.
 */
public abstract class KvFixture implements MetaEngineHook {
  @TempDir protected Path tmp;
  protected TxnKv kv;
  private final List<TxnKv> opened = new ArrayList<>();

  @BeforeEach
  void openStore() throws IOException {
    kv = another();
    kv.reset();
  }

  /** Another client of the same store, closed after the test. */
  protected TxnKv another() throws IOException {
    TxnKv k = openEngine(tmp);
    opened.add(k);
    return k;
  }

  @AfterEach
  void closeStores() throws IOException {
    try {
      if (kv != null) {
        kv.reset();
      }
    } finally {
      for (TxnKv k : opened) {
        k.close();
      }
    }
  }

  /** The password in the engine's URL, which {@link TxnKv#describe} must not show (null: none). */
  protected String secretInUrl() {
    return null;
  }

  /** A byte array from ints (0 to 255). */
  public static byte[] b(int... v) {
    byte[] out = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (byte) v[i];
    }
    return out;
  }

  protected static void put(TxnKv kv, byte[]... keysAndValues) throws IOException {
    kv.txn(tx -> {
      for (int i = 0; i < keysAndValues.length; i += 2) {
        tx.put(keysAndValues[i], keysAndValues[i + 1]);
      }
      return null;
    });
  }

  protected static byte[] value(TxnKv kv, byte[] key) throws IOException {
    return Transactions.read(kv, tx -> tx.get(key));
  }

  /** Keys in hex as a read transaction's scan returns them. */
  protected static List<String> keys(TxnKv kv, byte[] start, byte[] end, int limit) throws IOException {
    return Transactions.read(kv, tx -> scanHex(tx, start, end, limit));
  }

  protected static List<String> scanHex(KvTxn tx, byte[] start, byte[] end, int limit) throws IOException {
    List<String> out = new ArrayList<>();
    tx.scan(start, end, limit, (k, v) -> out.add(Bytes.hex(k)));
    return out;
  }

  protected static List<String> pairs(KvTxn tx, byte[] start, byte[] end, int limit) throws IOException {
    List<String> out = new ArrayList<>();
    tx.scan(start, end, limit, (k, v) -> out.add(Bytes.hex(k) + "=" + Bytes.hex(v)));
    return out;
  }

  /**
   * False where write transactions queue before they start (memory, SQLite): they cannot
   * interleave, so two of them never conflict.
   */
  protected boolean writersOverlap() {
    return true;
  }
}
