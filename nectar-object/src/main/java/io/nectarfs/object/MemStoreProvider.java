package io.nectarfs.object;

import io.nectarfs.common.Secrets;
import java.util.Set;

/** Opens {@link MemStore}s: {@code mem://} is private, {@code mem://name} shared within the JVM. */
public final class MemStoreProvider implements ObjectStoreProvider {
  @Override
  public Set<String> schemes() {
    return Set.of("mem");
  }

  @Override
  public ObjectStore open(String url, Secrets secrets) {
    String n = url.substring("mem://".length());
    while (n.endsWith("/")) {
      n = n.substring(0, n.length() - 1);
    }
    return MemStore.named(n);
  }
}
