package io.nectarfs.volume;

import io.nectarfs.object.StoreOptions;
import java.time.Duration;

/**
 * This process's own limits on the volume's object store, on top of what the format fixes: a
 * bandwidth cap per direction ({@code --upload-limit}, {@code --download-limit}), and, for
 * benchmarks and tests that need a remote store on one machine, a simulated latency added to every
 * request ({@code --simulate-store-latency}).
 *
 * @param uploadBytesPerSecond 0: unlimited
 * @param downloadBytesPerSecond 0: unlimited
 * @param latency added before every object request; zero: none
 */
public record StoreTuning(long uploadBytesPerSecond, long downloadBytesPerSecond, Duration latency) {
  /** No limits. */
  public static final StoreTuning NONE = new StoreTuning(0, 0, Duration.ZERO);

  public StoreTuning {
    if (uploadBytesPerSecond < 0 || downloadBytesPerSecond < 0 || latency == null || latency.isNegative()) {
      throw new IllegalArgumentException("bandwidth limits and latency must not be negative");
    }
  }

  /** {@code o} with these limits. */
  StoreOptions apply(StoreOptions o) {
    StoreOptions out = o;
    if (uploadBytesPerSecond > 0 || downloadBytesPerSecond > 0) {
      out = out.withBandwidth(uploadBytesPerSecond, downloadBytesPerSecond);
    }
    if (!latency.isZero()) {
      out = out.withFaults(new StoreOptions.Faults(0, latency, 0, 1));
    }
    return out;
  }
}
