package io.nectarfs.object;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Multipart for a decorator: every operation goes to the multipart capability of the store below
 * ({@link ForwardingStore#below()}); a decorator overrides what it changes (keys, retries,
 * throttling, faults). {@link ForwardingStore#capability} offers it only when the store below
 * offers multipart.
 */
interface ForwardsMultipart extends MultipartCapable {
  /** The multipart capability of the store below. */
  MultipartCapable below();

  @Override
  default long minPartSize() {
    return below().minPartSize();
  }

  @Override
  default String createMultipart(String key) throws IOException {
    return below().createMultipart(key);
  }

  @Override
  default Part uploadPart(String key, String uploadId, int number, InputStream data, long length) throws IOException {
    return below().uploadPart(key, uploadId, number, data, length);
  }

  @Override
  default void completeMultipart(String key, String uploadId, List<Part> parts) throws IOException {
    below().completeMultipart(key, uploadId, parts);
  }

  @Override
  default void abortMultipart(String key, String uploadId) throws IOException {
    below().abortMultipart(key, uploadId);
  }

  @Override
  default List<String> listMultipart(String key) throws IOException {
    return below().listMultipart(key);
  }
}
