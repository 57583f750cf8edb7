package io.nectarfs.object;

import io.nectarfs.common.Secrets;
import java.io.IOException;

/**
 * The bytes an object store stack opened with some {@link StoreOptions} stores for an object's
 * contents, and back: compression, encryption and checksums exactly as that stack applies them
 * (prefix, shards, retries and throttling do not change contents and are left out). Small files
 * inlined in the metadata keep their data in this form, so an encrypted volume never puts
 * plaintext into the metadata database.
 *
 * <p>Thread-safe.
 */
public interface StoredForm {
  /** The stored form of {@code plain}. */
  byte[] encode(byte[] plain) throws IOException;

  /**
   * The contents whose stored form is {@code stored}; {@link CorruptObjectException} when a
   * checksum, an authentication tag or a header does not match.
   */
  byte[] decode(byte[] stored) throws IOException;

  /** The form of a stack opened with {@code options} (the encryption key is loaded with {@code secrets}). */
  static StoredForm of(StoreOptions options, Secrets secrets) throws IOException {
    return Decorators.storedForm(options, secrets);
  }
}
