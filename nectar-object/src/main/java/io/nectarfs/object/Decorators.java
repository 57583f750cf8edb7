package io.nectarfs.object;

import io.nectarfs.common.Secrets;
import java.io.IOException;

/** Builds the decorator stack that {@link StoreOptions} describes over a backend. */
final class Decorators {
  private Decorators() {}

  static ObjectStore stack(ObjectStoreProvider provider, String url, StoreOptions o, Secrets secrets) throws IOException {
    // Interim: decorators land with the object-storage decorator work.
    if (!o.equals(StoreOptions.raw()) && !o.equals(StoreOptions.defaults())) {
      throw new IOException("store decorators are not available in this build");
    }
    return provider.open(url, secrets);
  }
}
