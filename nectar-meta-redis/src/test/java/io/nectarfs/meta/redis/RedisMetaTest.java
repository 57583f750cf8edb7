package io.nectarfs.meta.redis;

import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.meta.DataSuite;
import io.nectarfs.testkit.meta.MetaEngineHook;
import io.nectarfs.testkit.meta.NamespaceSuite;
import io.nectarfs.testkit.meta.SessionSuite;
import io.nectarfs.testkit.meta.CheckSuite;
import io.nectarfs.testkit.meta.ModelSuite;
import io.nectarfs.testkit.meta.TrashSuite;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;

/**
 * The metadata conformance suites on Redis ({@code NECTAR_TEST_REDIS}). Each test gets its own
 * volume prefix (derived from its unique temporary directory), so tests never share data; every
 * connection a test opens (engine, second clients) uses the same prefix.
 */
class RedisMetaTest {
  interface RedisEngine extends MetaEngineHook {
    @Override
    default TxnKv openEngine(Path tmp) throws IOException {
      return RedisTestSupport.open("conf-" + tmp.getFileName());
    }
  }

  @Nested
  class Namespace extends NamespaceSuite implements RedisEngine {}

  @Nested
  class Data extends DataSuite implements RedisEngine {}

  @Nested
  class Append extends io.nectarfs.testkit.meta.AppendSuite implements RedisEngine {}

  @Nested
  class Sessions extends SessionSuite implements RedisEngine {}

  @Nested
  class Trash extends TrashSuite implements RedisEngine {}

  @Nested
  class Model extends ModelSuite implements RedisEngine {}

  @Nested
  class Check extends CheckSuite implements RedisEngine {}

  @Nested
  class Permissions extends io.nectarfs.testkit.meta.PermissionSuite implements RedisEngine {}

  @Nested
  class Acl extends io.nectarfs.testkit.meta.AclSuite implements RedisEngine {}

  @Nested
  class Locks extends io.nectarfs.testkit.meta.LockSuite implements RedisEngine {}

  @Nested
  class Quotas extends io.nectarfs.testkit.meta.QuotaSuite implements RedisEngine {}

  @Nested
  class BulkRead extends io.nectarfs.testkit.meta.BulkReadSuite implements RedisEngine {}
}
