package io.nectarfs.testkit.meta;

import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.kv.KvFaults;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The one thing an engine supplies to the metadata conformance suites: a connection to a volume
 * store that every call of one test shares (the base class resets it before the test).
 */
public interface MetaEngineHook {
  TxnKv openEngine(Path tmp) throws IOException;

  /**
   * The faults every connection of a test runs under ({@link KvFaults#wrap}), or null for none.
   * Called once per test; see {@link RetryableFaults}.
   */
  default KvFaults faults() {
    return null;
  }
}
