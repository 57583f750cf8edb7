package io.nectarfs.meta.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.TestServices;
import io.nectarfs.testkit.meta.EngineConformance;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;

/**
 * Every engine suite ({@link EngineConformance}) and the connection errors on PostgreSQL ({@code postgres://}), against the
 * server in {@code $NECTAR_TEST_POSTGRES} (scripts/services.sh). Each suite has its own table for this
 * run; all of them are dropped at the end, and the server's catalog must then list none.
 */
class PostgresMetaTest extends EngineConformance {
  static String url() {
    return TestServices.require(TestServices.POSTGRES);
  }

  @Override
  protected TxnKv openEngine(String suite, Path tmp) throws IOException {
    return ServerTests.open(ServerTests.prefixed(url(), suite));
  }

  @Override
  protected String secretInUrl() {
    try {
      return SqlUrl.server(url(), 0, "").password();
    } catch (IOException e) {
      throw new AssertionError(e);
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
  static void dropTables() throws Exception {
    assertThat(ServerTests.dropTables(System.getenv(TestServices.POSTGRES))).as("tables of this run left on the server").isEmpty();
  }
}
