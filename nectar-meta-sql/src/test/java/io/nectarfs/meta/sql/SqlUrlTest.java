package io.nectarfs.meta.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.meta.MetaEngines;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** URL syntax, redaction and unreachable servers: no service needed. */
class SqlUrlTest {
  static final String SECRET = "s3cr3t-P@ss/word";

  @Test
  void providers_areRegisteredByScheme() {
    assertThat(MetaEngines.registry().schemes()).contains("sqlite3", "postgres", "postgresql", "mysql");
  }

  @Test
  void serverUrls_parse_withPercentEncodingAndGoStyleHosts() throws IOException {
    SqlUrl pg = SqlUrl.server("postgres://nectar:s3cr3t-P%40ss%2Fword@db.example:6543/vol%201?sslmode=require&table-prefix=v1_", 5432, "u");
    assertThat(pg.user()).isEqualTo("nectar");
    assertThat(pg.password()).isEqualTo(SECRET);
    assertThat(pg.host()).isEqualTo("db.example");
    assertThat(pg.port()).isEqualTo(6543);
    assertThat(pg.database()).isEqualTo("vol 1");
    assertThat(pg.options()).containsEntry("sslmode", "require");
    assertThat(pg.table()).isEqualTo("v1_kv");
    assertThat(pg.describe()).isEqualTo("postgres://nectar:****@db.example:6543/vol%201?sslmode=require&table-prefix=v1_");
    SqlUrl my = SqlUrl.server("mysql://root:pw@tcp(127.0.0.1:3307)/meta", 3306, "u");
    assertThat(my.host()).isEqualTo("127.0.0.1");
    assertThat(my.port()).isEqualTo(3307);
    assertThat(SqlUrl.server("mysql://root@[::1]/meta", 3306, "u").port()).isEqualTo(3306);
    assertThat(SqlUrl.server("mysql://root@[::1]/meta", 3306, "u").describe()).isEqualTo("mysql://root@[::1]:3306/meta");
    assertThat(SqlUrl.server("postgres://u:" + SECRET + "@h/db?password=x", 5432, "u").describe())
        .isEqualTo("postgres://u:****@h:5432/db?password=****");
  }

  @Test
  void badUrls_giveOneLineErrors_withoutThePassword() {
    Map<String, String> cases = Map.of(
        "postgres://", "no host",
        "postgres://nectar:" + SECRET + "@127.0.0.1:5432", "no database",
        "postgres://nectar:" + SECRET + "@127.0.0.1:99999/db", "port '99999'",
        "mysql://nectar:" + SECRET + "@127.0.0.1:port/db", "port 'port'",
        "mysql://127.0.0.1/db", "no user",
        "postgres://nectar:" + SECRET + "@127.0.0.1/db?table-prefix=x-y", "table-prefix 'x-y'",
        "postgres://nectar:" + SECRET + "@127.0.0.1/db?pool-size=0", "pool-size must be a number from 1 to 256, not '0'",
        "mysql://nectar:bad%zzpw@127.0.0.1/db", "percent-encoding");
    cases.forEach((url, what) -> assertThatThrownBy(() -> ServerTests.open(url))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(what)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET).doesNotContain("bad%zzpw").doesNotContain("\n")));
  }

  @Test
  void unreachableServers_sayConnectionRefused() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    for (String scheme : new String[] {"postgres", "mysql"}) {
      String url = scheme + "://nectar:" + SECRET + "@127.0.0.1:" + port + "/nectar";
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> ServerTests.open(url))
          .isInstanceOf(IOException.class)
          .hasMessage("cannot connect to " + scheme + "://nectar:****@127.0.0.1:" + port + "/nectar: connection refused — is the server running?");
      assertThat((System.nanoTime() - t0) / 1_000_000).as("ms to fail").isLessThan(10_000);
    }
    assertThatThrownBy(() -> ServerTests.open("postgres://nectar@no-such-host.invalid/db"))
        .hasMessageContaining("unknown host 'no-such-host.invalid'");
  }

  @Test
  void rawRedaction_handlesUnencodedSpecialCharacters() {
    assertThat(SqlUrl.redact("postgres://nectar:" + SECRET + "@h/db")).isEqualTo("postgres://nectar:****@h/db");
    assertThat(SqlUrl.redact("mysql://nectar@h/db?token=abc")).isEqualTo("mysql://nectar@h/db?token=****");
  }
}
