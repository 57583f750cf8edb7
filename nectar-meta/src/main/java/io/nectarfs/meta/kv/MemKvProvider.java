package io.nectarfs.meta.kv;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.spi.MetaEngineProvider;
import java.util.Set;

/** {@code mem://} (a private store) and {@code mem://name} (shared within the JVM), for tests. */
public final class MemKvProvider implements MetaEngineProvider {
  @Override
  public Set<String> schemes() {
    return Set.of("mem", "memkv");
  }

  @Override
  public TxnKv open(String url, Secrets secrets) {
    String n = url.substring(url.indexOf("://") + 3);
    while (n.endsWith("/")) {
      n = n.substring(0, n.length() - 1);
    }
    return MemKv.named(n);
  }
}
