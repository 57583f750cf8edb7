package io.nectarfs.meta.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SqliteConnections}: statements kept across leases, and dropped after a failure. */
class SqliteConnectionsTest {
  private static final String OVERFLOW = "SELECT abs(-9223372036854775808)"; // fails when stepped, not when prepared
  @TempDir Path tmp;

  @Test
  void aStatementIsPreparedOncePerConnection_andPreparedAgainAfterItFailed() throws SQLException {
    try (SqliteConnections pool = new SqliteConnections("jdbc:sqlite:" + tmp.resolve("c.db"), new Properties(), 2)) {
      for (int i = 0; i < 3; i++) {
        try (SqlConnections.Lease c = pool.borrow(); ResultSet rs = c.prepare("SELECT 1").executeQuery()) {
          assertThat(rs.next()).isTrue();
        }
      }
      assertThat(pool.prepared()).as("one connection, one statement").isEqualTo(1);

      try (SqlConnections.Lease c = pool.borrow()) {
        assertThatThrownBy(() -> c.prepare(OVERFLOW).executeQuery().close()).isInstanceOf(SQLException.class).hasMessageContaining("overflow");
        c.statementFailed();
      }
      try (SqlConnections.Lease c = pool.borrow()) {
        assertThatThrownBy(() -> c.prepare(OVERFLOW).executeQuery().close()).as("the same error again, not a closed statement")
            .isInstanceOf(SQLException.class).hasMessageContaining("overflow");
        c.statementFailed();
      }
      try (SqlConnections.Lease c = pool.borrow(); ResultSet rs = c.prepare("SELECT 1").executeQuery()) {
        assertThat(rs.next()).as("the connection still serves, its statements prepared anew").isTrue();
      }
      assertThat(pool.prepared()).isEqualTo(4);
    }
  }
}
