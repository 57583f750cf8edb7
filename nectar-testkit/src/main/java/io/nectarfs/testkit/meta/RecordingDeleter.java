package io.nectarfs.testkit.meta;

import io.nectarfs.meta.SliceDeleter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the slices the metadata frees, so tests can check deferred deletion. */
public final class RecordingDeleter implements SliceDeleter {
  private final List<Long> freed = new CopyOnWriteArrayList<>();

  @Override
  public void delete(long sliceId, int size) {
    freed.add(sliceId);
  }

  public List<Long> freed() {
    return List.copyOf(freed);
  }
}
