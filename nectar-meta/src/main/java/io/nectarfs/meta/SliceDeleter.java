package io.nectarfs.meta;

import java.io.IOException;

/**
 * Frees the stored objects of a slice that no chunk refers to any more. The data layer supplies
 * it; it must be idempotent (a slice may be freed twice after a crash).
 */
@FunctionalInterface
public interface SliceDeleter {
  void delete(long sliceId, int size) throws IOException;

  /** A deleter for metadata-only use (tests, tools): nothing stored to free. */
  SliceDeleter NONE = (id, size) -> {};
}
