package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every engine's error for a bad URL is one line and never holds the password, however the
 * password is written (raw reserved characters, percent-encoded). Needs no service: each URL is
 * refused while parsing, before any connection. The URL shapes themselves are in {@code UrlTest}.
 */
class EngineUrlLeakTest {
  private static final Secrets NO_ENV = new Secrets(Map.of());
  private static final List<String> PASSWORDS =
      List.of("Pw-plain9", "Pw@at9", "Pw:colon9", "Pw/slash9", "Pw%25pct9", "Pw#hash9", "Pw?q9", "Pw@:/#?9", "Pw%40enc%2F9", "12/349");

  /** Bad URL templates ({@code PW} is replaced), each refused by its engine while parsing. */
  private static final List<String> META = List.of(
      "postgres://nectar:PW@127.0.0.1:99999/db",
      "postgres://nectar:PW@127.0.0.1/db?pool-size=0",
      "postgres://nectar:PW@127.0.0.1/db?table-prefix=x-y",
      "postgresql://nectar:PW@[::1]:5432",
      "mysql://nectar:PW@tcp(127.0.0.1:port)/db",
      "mysql://nectar:PW@127.0.0.1/db#frag",
      "redis://:PW@h:6379/db1",
      "redis://PW@h:6379/1?colour=red",
      "rediss://bob:PW@[::1]:6380/1?timeout=soon",
      "redis://:PW@h1:6379,h2:6379/1",
      "redis://:PW@/1",
      "sqlite3:///tmp/nectar-leak.db?password=PW&colour=red",
      "sqlite3://relative.db?password=PW");

  private static final List<String> STORAGE = List.of(
      "http://AK:PW@127.0.0.1:99999/b",
      "http://AK:PW@127.0.0.1:9000/b?colour=blue",
      "https://AK:PW@[::1]:9000/b?connect-timeout=soon",
      "http://AK:PW@/b",
      "s3://AK:PW@Bad_Bucket/x",
      "s3://bucket/x?secret_key=PW&colour=red",
      "file:///tmp/x?password=PW&colour=red",
      "file://host/x?token=PW");

  @Test
  void metadataEngines_neverShowThePassword() {
    for (String pw : PASSWORDS) {
      for (String t : META) {
        String url = t.replace("PW", pw);
        IOException e = failure(() -> {
          try (TxnKv kv = MetaEngines.registry().open(url, NO_ENV)) {
            return kv.describe();
          }
        });
        assertClean(url, e, pw);
      }
    }
  }

  @Test
  void storageBackends_neverShowThePassword() {
    for (String pw : PASSWORDS) {
      for (String t : STORAGE) {
        String url = t.replace("PW", pw);
        IOException e = failure(() -> {
          try (ObjectStore s = ObjectStores.registry().open(url, StoreOptions.raw(), NO_ENV)) {
            return s.describe();
          }
        });
        assertClean(url, e, pw);
      }
    }
  }

  private interface Opening {
    String open() throws IOException;
  }

  /**
   * The error; or, for the one ambiguous shape (a password of digits, '/', more: {@code
   * http://AK:12/34@host/b} reads as host AK, port 12, as RFC 3986 says), what the store prints.
   */
  private static IOException failure(Opening o) {
    try {
      return new IOException("opened " + o.open());
    } catch (IOException e) {
      return e;
    }
  }

  private static void assertClean(String url, IOException e, String pw) {
    if (e.getMessage().startsWith("opened ")) {
      assertThat(pw).as("only the ambiguous password opens: %s", url).isEqualTo("12/349");
    }
    // The parts of the password that are long enough to be telling, decoded and as written.
    String decoded = java.net.URLDecoder.decode(pw.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      assertThat(m).as("error for %s", url).doesNotContain(pw).doesNotContain(decoded).doesNotContain("\n");
      assertThat(t.toString()).as("error for %s", url).doesNotContain(pw);
    }
  }
}
