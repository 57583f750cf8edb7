package io.nectarfs.meta;

import java.io.IOException;

/**
 * Listener for freed slices: deletes the stored objects of a slice that no chunk refers to any
 * more. The data layer registers one with {@link Meta#onSliceFreed} once its chunk store exists.
 *
 * <p>Contract: {@link #delete} must be idempotent (a slice may be announced again after a crash,
 * or by another client that took over the job). The metadata keeps the slice in its durable
 * deletion queue until {@link #delete} returned normally for it; an {@link IOException} leaves it
 * queued for the next run.
 */
@FunctionalInterface
public interface SliceDeleter {
  void delete(long sliceId, int size) throws IOException;
}
