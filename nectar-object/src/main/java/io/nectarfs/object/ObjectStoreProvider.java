package io.nectarfs.object;

import io.nectarfs.common.Secrets;
import java.io.IOException;
import java.util.Set;

/**
 * A backend found by URL scheme through {@link java.util.ServiceLoader}. Providers are stateless;
 * each {@link #open} returns a new store.
 */
public interface ObjectStoreProvider {
  /** The lower-case URL schemes this provider serves, e.g. {@code {"s3", "http", "https"}}. */
  Set<String> schemes();

  /**
   * Opens the store named by {@code url}. Checks what can be checked cheaply (the URL's shape, a
   * directory's permissions) and reports problems as an {@link IOException} whose message is one
   * actionable line with the URL redacted.
   */
  ObjectStore open(String url, Secrets secrets) throws IOException;
}
