package io.nectarfs.meta.redis;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.TestServices;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;

/** The test Redis from {@code scripts/services.sh} ({@code NECTAR_TEST_REDIS}), one volume per prefix. */
final class RedisTestSupport {
  private RedisTestSupport() {}

  /** The service URL; skips the test (fails it with CI=true) when the service is not running. */
  static String baseUrl() {
    return TestServices.require(TestServices.REDIS);
  }

  /** The service URL with {@code prefix=name}. */
  static String url(String prefix) {
    String base = baseUrl();
    return base + (base.contains("?") ? "&" : "?") + "prefix=" + prefix;
  }

  /** A prefix no other test uses. */
  static String uniquePrefix() {
    return "t-" + UUID.randomUUID();
  }

  /** Opens the volume {@code prefix} through the engine registry, as the client would. */
  static TxnKv open(String prefix) throws IOException {
    return MetaEngines.registry().open(url(prefix), new Secrets(Map.of()));
  }
}
