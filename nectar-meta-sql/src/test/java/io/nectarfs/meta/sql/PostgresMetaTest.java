package io.nectarfs.meta.sql;

import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.TestServices;
import io.nectarfs.testkit.meta.DataSuite;
import io.nectarfs.testkit.meta.MetaEngineHook;
import io.nectarfs.testkit.meta.NamespaceSuite;
import io.nectarfs.testkit.meta.SessionSuite;
import io.nectarfs.testkit.meta.CheckSuite;
import io.nectarfs.testkit.meta.ModelSuite;
import io.nectarfs.testkit.meta.TrashSuite;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;

/**
 * The metadata conformance suites, the key-value contract and the connection errors on
 * PostgreSQL ({@code postgres://}), against the server in {@code $NECTAR_TEST_POSTGRES} (scripts/services.sh). Each nested
 * class has its own table for this run, dropped at the end.
 */
class PostgresMetaTest {
  static String url() {
    return TestServices.require(TestServices.POSTGRES);
  }

  interface Server extends MetaEngineHook {
    @Override
    default TxnKv openEngine(Path tmp) throws IOException {
      return ServerTests.open(ServerTests.prefixed(url(), getClass().getSimpleName()));
    }
  }

  @Nested
  class Namespace extends NamespaceSuite implements Server {}

  @Nested
  class Data extends DataSuite implements Server {}

  @Nested
  class Append extends io.nectarfs.testkit.meta.AppendSuite implements Server {}

  @Nested
  class Sessions extends SessionSuite implements Server {}

  @Nested
  class Trash extends TrashSuite implements Server {}

  @Nested
  class Model extends ModelSuite implements Server {}

  @Nested
  class Check extends CheckSuite implements Server {}

  @Nested
  class Permissions extends io.nectarfs.testkit.meta.PermissionSuite implements Server {}

  @Nested
  class Acl extends io.nectarfs.testkit.meta.AclSuite implements Server {}

  @Nested
  class Locks extends io.nectarfs.testkit.meta.LockSuite implements Server {}

  @Nested
  class Quotas extends io.nectarfs.testkit.meta.QuotaSuite implements Server {}

  @Nested
  class BulkRead extends io.nectarfs.testkit.meta.BulkReadSuite implements Server {}

  @Nested
  class Engine extends SqlKvContract implements Server {
    @Override
    String passwordOrNull() {
      try {
        return SqlUrl.server(url(), 0, "").password();
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Nested
  class Errors extends ServerErrorsContract {
    @Override
    String url() {
      return PostgresMetaTest.url();
    }

    @Override
    void dropDatabase(String name) throws Exception {
      SqlUrl u = SqlUrl.server(url(), 0, "");
      try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + u.host() + ":" + u.port() + "/postgres", u.user(), u.password());
          Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS \"" + name + "\"");
      }
    }
  }

  @AfterAll
  static void dropTables() {
    ServerTests.dropTables(System.getenv(TestServices.POSTGRES), "Namespace", "Data", "Sessions", "Trash", "Engine", "secret");
  }
}
