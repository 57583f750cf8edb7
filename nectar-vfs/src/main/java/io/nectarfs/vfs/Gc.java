package io.nectarfs.vfs;

import io.nectarfs.chunk.BlockKeys;
import io.nectarfs.common.Clock;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.object.ObjectInfo;
import io.nectarfs.object.ObjectStore;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Finds (and optionally deletes) objects that no metadata refers to: blocks of slices that were
 * uploaded but never committed (a client crashed), or whose deletion was lost. Objects younger
 * than {@code minAge} are left alone, since a live client may be about to commit them.
 */
public final class Gc {
  /** What a scan found. */
  public record Report(long objects, long bytes, long leakedObjects, long leakedBytes, long deleted, List<String> samples) {}

  private Gc() {}

  /**
   * Scans every block object of the volume; with {@code delete}, removes the leaked ones. {@code
   * progress} receives the number of objects scanned so far.
   */
  public static Report run(MetaClient meta, ObjectStore store, Duration minAge, boolean delete, LongConsumer progress) throws IOException {
    return run(meta, store, minAge, delete, progress, Clock.SYSTEM);
  }

  /** The same with the clock that decides which objects are older than {@code minAge} (tests inject one). */
  public static Report run(MetaClient meta, ObjectStore store, Duration minAge, boolean delete, LongConsumer progress, Clock clock)
      throws IOException {
    Map<Long, Integer> referenced = meta.referencedSlices();
    Instant cutoff = Instant.ofEpochSecond(0, clock.nowNanos()).minus(minAge); // object times are wall-clock times
    long objects = 0;
    long bytes = 0;
    long leaked = 0;
    long leakedBytes = 0;
    long deleted = 0;
    List<String> samples = new ArrayList<>();
    List<String> toDelete = new ArrayList<>();
    try {
      for (ObjectInfo o : store.listAll("chunks/")) {
        objects++;
        bytes += o.size();
        progress.accept(objects);
        long[] k = BlockKeys.parse(o.key());
        if (k == null || referenced.containsKey(k[0]) || o.mtime().isAfter(cutoff)) {
          continue;
        }
        leaked++;
        leakedBytes += o.size();
        if (samples.size() < 10) {
          samples.add(o.key());
        }
        if (delete) {
          toDelete.add(o.key());
        }
      }
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
    for (String key : toDelete) {
      store.delete(key);
      deleted++;
    }
    return new Report(objects, bytes, leaked, leakedBytes, deleted, samples);
  }
}
