package io.nectarfs.object;

/**
 * The run-time controls of a stack's fault injection ({@link StoreOptions#faults()}), for tests.
 * Obtain it with {@link ObjectStores#faultInjector(ObjectStore)}. All shards of a sharded stack
 * share one injector.
 */
public interface FaultInjector {
  /** Sets the probability in [0,1] that an operation fails with a transient error. */
  void setErrorRate(double rate);

  /** Sets the probability in [0,1] that a put stores only a prefix of its data yet succeeds. */
  void setTornWriteRate(double rate);

  /** How many operations failed on purpose so far. */
  long injectedErrors();

  /** How many puts were torn on purpose so far. */
  long tornWrites();
}
