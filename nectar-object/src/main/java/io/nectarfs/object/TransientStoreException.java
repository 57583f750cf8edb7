package io.nectarfs.object;

import java.io.IOException;

/**
 * A failure that may go away when the operation is retried: a timeout, throttling, a 5xx answer,
 * a reset connection. The retry decorator retries exactly these.
 */
public class TransientStoreException extends IOException {
  private static final long serialVersionUID = 1L;

  public TransientStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public TransientStoreException(String message) {
    super(message);
  }
}
