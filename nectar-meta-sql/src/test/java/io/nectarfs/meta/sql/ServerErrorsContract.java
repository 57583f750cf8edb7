package io.nectarfs.meta.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connection failures against a live server: one line, actionable, never the password. */
abstract class ServerErrorsContract {
  static final String WRONG = "Wr0ng-Passw0rd-7c1e";

  @TempDir Path tmp;

  /** The service URL (with the right password). */
  abstract String url();

  /** Drops a database created by a test. */
  abstract void dropDatabase(String name) throws Exception;

  private static void assertOneLine(Throwable e, String... secrets) {
    assertThat(e).isInstanceOf(IOException.class);
    assertThat(e.getMessage()).doesNotContain("\n");
    for (String s : secrets) {
      assertThat(e.getMessage()).doesNotContain(s);
      for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
        assertThat(String.valueOf(t.getMessage())).as("cause message").doesNotContain(s);
      }
    }
  }

  @Test
  void wrongPassword_inTheUrl() throws IOException {
    SqlUrl u = SqlUrl.server(url(), 0, "");
    String bad = ServerTests.variant(url(), u.user() + ":" + WRONG, null);
    assertThatThrownBy(() -> ServerTests.open(bad))
        .hasMessage("cannot connect to " + u.scheme() + "://" + u.user() + ":****@" + u.host() + ":" + u.port() + "/" + u.database()
            + ": authentication failed for user '" + u.user()
            + "' — check the password (in the URL, META_PASSWORD or META_PASSWORD_FILE) and the user's rights")
        .satisfies(e -> assertOneLine(e, WRONG));
  }

  @Test
  void password_fromMetaPassword_andItsFile() throws IOException {
    SqlUrl u = SqlUrl.server(url(), 0, "");
    String noPassword = ServerTests.prefixed(ServerTests.variant(url(), u.user(), null), "secret");
    assertThatThrownBy(() -> ServerTests.open(noPassword, Map.of("META_PASSWORD", WRONG)))
        .hasMessageContaining(u.user() + ":****@").hasMessageContaining("authentication failed")
        .satisfies(e -> assertOneLine(e, WRONG));
    Path file = Files.writeString(tmp.resolve("pw"), u.password() + "\n");
    try (TxnKv kv = ServerTests.open(noPassword, Map.of("META_PASSWORD_FILE", file.toString()))) {
      assertThat(kv.describe()).contains(u.user() + ":****@").doesNotContain(u.password());
      kv.txn(tx -> tx.incrBy(new byte[] {1}, 1));
      ((SqlKv) kv).drop();
    }
  }

  @Test
  void missingDatabase_saysHowToCreateIt_andCreateDatabaseDoes() throws Exception {
    String name = "nectar_" + ServerTests.RUN + "_created";
    String missing = ServerTests.variant(url(), null, name);
    assertThatThrownBy(() -> ServerTests.open(missing))
        .hasMessageContaining("database '" + name + "' does not exist — create it (CREATE DATABASE " + name + ") or add ?create-database=true")
        .satisfies(e -> assertOneLine(e, SqlUrl.server(url(), 0, "").password()));
    try {
      try (TxnKv kv = ServerTests.open(ServerTests.withOption(missing, "create-database=true"))) {
        kv.txn(tx -> {
          tx.put(new byte[] {1}, new byte[] {2});
          return null;
        });
      }
      try (TxnKv kv = ServerTests.open(missing)) {
        byte[] v = kv.read(tx -> tx.get(new byte[] {1}));
        assertThat(v).containsExactly(2);
      }
    } finally {
      dropDatabase(name);
    }
  }
}
