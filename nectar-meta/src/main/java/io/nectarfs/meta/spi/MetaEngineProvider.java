package io.nectarfs.meta.spi;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.util.Set;

/**
 * A metadata engine found by URL scheme through {@link java.util.ServiceLoader}: it opens the
 * transactional key-value store that the generic backend runs on.
 */
public interface MetaEngineProvider {
  /** Lower-case schemes served, e.g. {@code {"postgres", "postgresql"}}. */
  Set<String> schemes();

  /**
   * Connects to the engine at {@code url}. The password may also come from the secret {@code
   * META_PASSWORD} (or {@code META_PASSWORD_FILE}). Failures are one-line {@link IOException}s
   * naming the redacted URL and what to check.
   */
  TxnKv open(String url, Secrets secrets) throws IOException;
}
