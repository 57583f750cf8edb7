package io.nectarfs.gateway.s3.conformance;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.function.Executable;

/** Runs a case that a {@link Deviation} names, for the conformance suite and the real-client tests alike. */
public final class Deviations {
  private Deviations() {}

  /**
   * A target that lists {@code d} must still fail {@code body} (the test is then aborted with the
   * deviation's description, so the list cannot go stale); any other target must pass it.
   */
  public static void expect(S3Target target, Deviation d, Executable body) throws Throwable {
    if (!target.deviations().contains(d)) {
      body.execute();
      return;
    }
    Throwable failure = null;
    try {
      body.execute();
    } catch (Throwable t) {
      failure = t;
    }
    if (failure == null) {
      Assertions.fail(target.name() + " now behaves as AWS S3 on " + d + ": remove it from its deviations and docs/s3-conformance.md");
    }
    String seen = String.valueOf(failure.getMessage()).lines().filter(l -> !l.isBlank()).findFirst().orElse("");
    Assumptions.abort(target.name() + " deviates from AWS S3 (" + d + "): " + d.description() + " [seen: " + seen + "]");
  }
}
