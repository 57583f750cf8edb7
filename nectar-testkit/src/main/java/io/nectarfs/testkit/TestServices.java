package io.nectarfs.testkit;

import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Where tests find the services that {@code scripts/services.sh} starts (S3 server, Redis,
 * PostgreSQL, MariaDB): each is an environment variable holding a URL.
 *
 * <p>Outside CI a missing service skips the test with a message saying how to start it. With
 * {@code CI=true} a missing service fails the test: CI never silently skips.
 */
public final class TestServices {
  /** S3 endpoint URL with credentials, e.g. {@code http://AK:SK@127.0.0.1:9199/bucket}. */
  public static final String S3 = "NECTAR_TEST_S3";

  /** PostgreSQL metadata URL with a password, e.g. {@code postgres://nectar:PW@127.0.0.1:5499/nectar_test}. */
  public static final String POSTGRES = "NECTAR_TEST_POSTGRES";

  /** MySQL/MariaDB metadata URL, e.g. {@code mysql://nectar:PW@127.0.0.1:3399/nectar_test}. */
  public static final String MYSQL = "NECTAR_TEST_MYSQL";

  /** Redis URL with password and database, e.g. {@code redis://:PASS@127.0.0.1:6399/1}. */
  public static final String REDIS = "NECTAR_TEST_REDIS";

  private TestServices() {}

  /** The service URL in {@code variable}, or a skip (a failure in CI) when it is not set. */
  public static String require(String variable) {
    Optional<String> v = Optional.ofNullable(System.getenv(variable)).filter(s -> !s.isBlank());
    if (v.isPresent()) {
      return v.get();
    }
    String msg =
        variable + " is not set: start the test services with 'scripts/services.sh start' and"
            + " source the file it prints (or run scripts/test.sh)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("CI=true and " + msg);
    }
    Assumptions.abort(msg);
    throw new AssertionError("unreachable");
  }
}
