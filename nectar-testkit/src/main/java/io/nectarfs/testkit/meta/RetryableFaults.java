package io.nectarfs.testkit.meta;

import io.nectarfs.testkit.kv.KvFaults;

/**
 * Mixed into a suite's engine hook, runs the suite under faults a correct client hides completely
 * (conflicts at any call or commit, short latency, on about one call in twenty): every POSIX result
 * and the consistency check must stay exactly as without them.
 */
public interface RetryableFaults extends MetaEngineHook {
  /** The fixed seed of these suites' plans: a single-threaded test meets the same faults every run. */
  long SEED = 0x5eed_10L;

  @Override
  default KvFaults faults() {
    return KvFaults.retryable(SEED, 0.05);
  }
}
