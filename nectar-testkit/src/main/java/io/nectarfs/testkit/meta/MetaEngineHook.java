package io.nectarfs.testkit.meta;

import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The one thing an engine supplies to the metadata conformance suites: a connection to a volume
 * store that every call of one test shares (the base class resets it before the test).
 */
public interface MetaEngineHook {
  TxnKv openEngine(Path tmp) throws IOException;
}
