package io.nectarfs.meta.redis;

import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.meta.EngineConformance;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Every engine suite ({@link EngineConformance}) on Redis ({@code NECTAR_TEST_REDIS}). Each test
 * gets its own volume prefix (derived from its unique temporary directory), so tests never share
 * data; every connection a test opens (engine, second clients) uses the same prefix.
 */
class RedisMetaTest extends EngineConformance {
  @Override
  protected TxnKv openEngine(String suite, Path tmp) throws IOException {
    return RedisTestSupport.open("conf-" + tmp.getFileName());
  }

  @Override
  protected String secretInUrl() {
    String base = RedisTestSupport.baseUrl();
    int at = base.indexOf('@');
    int colon = base.indexOf("://:");
    return colon >= 0 && at > colon ? base.substring(colon + 4, at) : null;
  }
}
