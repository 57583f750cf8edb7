package io.nectarfs.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one URL parser and the one redactor, on every URL shape the engines accept. A password that
 * survives redaction is a security bug, so every shape with a secret is also checked for leaks.
 */
class UrlTest {
  private static final String PW = "Pa55-w0rd";

  /** Shape, redacted form, secrets that must not appear. */
  private static final String[][] SHAPES = {
    {"postgres://nectar:" + PW + "@127.0.0.1:5432/db", "postgres://nectar:****@127.0.0.1:5432/db"},
    {"postgres://nectar@127.0.0.1/db?password=" + PW, "postgres://nectar@127.0.0.1/db?password=****"},
    {"mysql://root@[::1]/meta", "mysql://root@[::1]/meta"},
    {"mysql://root:" + PW + "@tcp(127.0.0.1:3307)/meta", "mysql://root:****@tcp(127.0.0.1:3307)/meta"},
    {"redis://:" + PW + "@host:6379/1", "redis://:****@host:6379/1"},
    {"redis://" + PW + "@host/1", "redis://****@host/1"},
    {"redis://bob:" + PW + "@[::1]:6379/2", "redis://bob:****@[::1]:6379/2"},
    {"rediss://bob:" + PW + "@redis.example:6380/3?prefix=v", "rediss://bob:****@redis.example:6380/3?prefix=v"},
    {"redis://:" + PW + "@h1:6379,h2:6380,[::1]:6381/1", "redis://:****@h1:6379,h2:6380,[::1]:6381/1"},
    {"redis://:" + PW + "@%2Fvar%2Frun%2Fredis.sock/1", "redis://:****@%2Fvar%2Frun%2Fredis.sock/1"},
    {"unix:///var/run/redis.sock?db=1&password=" + PW, "unix:///var/run/redis.sock?db=1&password=****"},
    {"postgres://u:" + PW + "@%2Fvar%2Frun%2Fpostgresql/db?sslmode=require&sslpassword=" + PW,
        "postgres://u:****@%2Fvar%2Frun%2Fpostgresql/db?sslmode=require&sslpassword=****"},
    {"sqlite3:///var/lib/nectar.db", "sqlite3:///var/lib/nectar.db"},
    {"sqlite3:///var/lib/a@b.db?busy-timeout=5s", "sqlite3:///var/lib/a@b.db?busy-timeout=5s"},
    {"file:///data/a@b/c", "file:///data/a@b/c"},
    {"s3://bucket/prefix", "s3://bucket/prefix"},
    {"s3://bucket/a@b/c", "s3://bucket/a@b/c"},
    {"s3://" + PW + "@bucket/x", "s3://****@bucket/x"},
    {"s3://AK:" + PW + "@bucket/x", "s3://AK:****@bucket/x"},
    {"s3://bucket/x?access_key=AK&secret_key=" + PW + "&region=eu", "s3://bucket/x?access_key=****&secret_key=****&region=eu"},
    {"s3://bucket/x?Secret-Key=" + PW + "&X-Amz-Signature=" + PW + "&token=" + PW + "&sig=" + PW,
        "s3://bucket/x?Secret-Key=****&X-Amz-Signature=****&token=****&sig=****"},
    {"http://AK:" + PW + "@127.0.0.1:9000/bucket", "http://AK:****@127.0.0.1:9000/bucket"},
    {"http://AK:" + PW + "@[::1]:9000/bucket", "http://AK:****@[::1]:9000/bucket"},
    {"http://127.0.0.1:9000/bucket?sess%69on_token=" + PW, "http://127.0.0.1:9000/bucket?sess%69on_token=****"},
    {"mem://test", "mem://test"},
  };

  /** Passwords holding every reserved character, raw and percent-encoded, in every position. */
  private static final List<String> AWKWARD = List.of(
      "p@ss", "p:ss", "p/ss", "p%ss", "p#ss", "p?ss", "p@:/%#?ss", "12/34", "p%40ss%2F%3A", "Qz@", "/Qz", "p&ss=1");

  @Test
  void redact_everyShape() {
    for (String[] c : SHAPES) {
      assertThat(Uris.redact(c[0])).as(c[0]).isEqualTo(c[1]).doesNotContain(PW);
    }
    assertThat(Uris.redact(null)).isEqualTo("null");
  }

  @Test
  void redact_passwordsWithReservedCharacters_neverLeak() {
    for (String pw : AWKWARD) {
      for (String url : List.of(
          "postgres://nectar:" + pw + "@127.0.0.1:5432/db?sslmode=require",
          "mysql://nectar:" + pw + "@tcp(127.0.0.1:3306)/db",
          "redis://:" + pw + "@h:6379/1",
          "redis://" + pw + "@h:6379/1",
          "rediss://bob:" + pw + "@[::1]:6380/1?prefix=a",
          "http://AK:" + pw + "@127.0.0.1:9000/bucket/pre",
          "s3://AK:" + pw + "@bucket/pre",
          "postgres://nectar:" + pw + "@h/db?application_name=a@b",
          "postgres://nectar@h/db?password=" + pw)) {
        String shown = Uris.redact(url);
        assertThat(shown).as(url).doesNotContain(pw);
        assertThat(shown).as(url).contains("****");
        // Whatever the parser makes of it, its errors and toString show only the redacted form.
        try {
          Url u = Url.parse(url, "bad URL", null);
          assertThat(u.toString()).doesNotContain(pw);
          assertThat(u.error("x").getMessage()).doesNotContain(pw);
        } catch (IOException e) {
          assertThat(e.getMessage()).as(url).doesNotContain(pw).doesNotContain("\n");
        }
      }
    }
  }

  @Test
  void parse_authorityShapes() throws IOException {
    Url pg = Url.parse("postgres://nectar:s3cr3t-P%40ss%2Fword@db.example:6543/vol%201?sslmode=require&table-prefix=v1_", "bad", null);
    assertThat(pg.scheme()).isEqualTo("postgres");
    assertThat(pg.user()).isEqualTo("nectar");
    assertThat(pg.password()).isEqualTo("s3cr3t-P@ss/word");
    assertThat(pg.hosts()).containsExactly(new Url.Host("db.example", 6543));
    assertThat(pg.path()).isEqualTo("/vol 1");
    assertThat(pg.params()).containsEntry("sslmode", "require").containsEntry("table-prefix", "v1_");
    assertThat(pg.userInfoHasReserved()).isFalse();

    Url raw = Url.parse("postgres://u:s3cr3t-P@ss/word@h/db?password=x", "bad", null);
    assertThat(raw.password()).isEqualTo("s3cr3t-P@ss/word");
    assertThat(raw.userInfoHasReserved()).isTrue();
    assertThat(raw.hosts()).containsExactly(new Url.Host("h", 0));
    assertThat(raw.path()).isEqualTo("/db");

    Url multi = Url.parse("redis://:pw@h1:6379,[::1]:6380,h3/2", "bad", null);
    assertThat(multi.hosts()).containsExactly(new Url.Host("h1", 6379), new Url.Host("::1", 6380), new Url.Host("h3", 0));
    assertThat(multi.user()).isEmpty();
    assertThat(multi.password()).isEqualTo("pw");
    assertThat(multi.hosts().get(1).address(1)).isEqualTo("[::1]:6380");

    Url go = Url.parse("mysql://root:pw@tcp(127.0.0.1:3307)/meta", "bad", null);
    assertThat(go.hosts()).containsExactly(new Url.Host("127.0.0.1", 3307));

    Url bare = Url.parse("redis://secret@h", "bad", null);
    assertThat(bare.user()).isEqualTo("secret");
    assertThat(bare.password()).isNull();

    Url socket = Url.parse("postgres://u@%2Fvar%2Frun%2Fpostgresql/db", "bad", null);
    assertThat(socket.hosts().get(0).name()).isEqualTo("/var/run/postgresql");

    Url atInPath = Url.parse("s3://bucket/a@b/c", "bad", null);
    assertThat(atInPath.hasUserInfo()).isFalse();
    assertThat(atInPath.hosts().get(0).name()).isEqualTo("bucket");
    assertThat(atInPath.path()).isEqualTo("/a@b/c");
    Url atAfterPort = Url.parse("http://h:9000/bucket/a@b", "bad", null);
    assertThat(atAfterPort.hasUserInfo()).isFalse();
    assertThat(atAfterPort.path()).isEqualTo("/bucket/a@b");
    Url atInQuery = Url.parse("postgres://u:pw@h/db?application_name=a@b", "bad", null);
    assertThat(atInQuery.password()).isEqualTo("pw");
    assertThat(atInQuery.params()).containsEntry("application_name", "a@b");

    Url plus = Url.parse("https://AK%2Fx:se%2Fc+ret@minio.example:9000/bkt", "bad", null);
    assertThat(plus.password()).as("'+' stays '+'").isEqualTo("se/c+ret");
  }

  @Test
  void parsePath_takesEverythingBeforeTheQuery() throws IOException {
    Url u = Url.parsePath("sqlite3:///var/lib/a%20b@c.db?busy-timeout=5s", "bad", null);
    assertThat(u.path()).isEqualTo("/var/lib/a b@c.db");
    assertThat(u.hasUserInfo()).isFalse();
    assertThat(u.param("BUSY-timeout")).contains("5s");
    assertThat(Url.parsePath("file:///data", "bad", null).path()).isEqualTo("/data");
  }

  @Test
  void typedParams_oneGrammar() throws IOException {
    Url u = Url.parse("x://h/?a=500ms&b=3s&c=2m&d=1h&e=7&on&off=no&yes=1&n=42&sz=64K&sz2=4MiB&sz3=4096", "bad", null);
    assertThat(u.duration("a", null)).isEqualTo(Duration.ofMillis(500));
    assertThat(u.duration("b", null)).isEqualTo(Duration.ofSeconds(3));
    assertThat(u.duration("c", null)).isEqualTo(Duration.ofMinutes(2));
    assertThat(u.duration("d", null)).isEqualTo(Duration.ofHours(1));
    assertThat(u.duration("e", null)).as("bare number: seconds").isEqualTo(Duration.ofSeconds(7));
    assertThat(u.duration("missing", Duration.ofSeconds(9))).isEqualTo(Duration.ofSeconds(9));
    assertThat(u.flag("on", false)).isTrue();
    assertThat(u.flag("off", true)).isFalse();
    assertThat(u.flag("yes", false)).isTrue();
    assertThat(u.flag("missing", true)).isTrue();
    assertThat(u.intParam("n", 0, 1, 100)).isEqualTo(42);
    assertThat(u.size("sz", 0)).isEqualTo(64 << 10);
    assertThat(u.size("sz2", 0)).isEqualTo(4 << 20);
    assertThat(u.size("sz3", 0)).isEqualTo(4096);
  }

  @Test
  void errors_areOneLine_nameTheParam_andHideThePassword() throws IOException {
    Url u = Url.parse("redis://:" + PW + "@h/1?timeout=soon&t0=0s&n=0&b=maybe&s=lots&colour=red", "bad Redis URL", null);
    assertThatThrownBy(() -> u.duration("timeout", null)).hasMessage(
        "bad Redis URL redis://:****@h/1?timeout=soon&t0=0s&n=0&b=maybe&s=lots&colour=red: timeout must be a duration such as 500ms, 3s, 2m or 1h, not 'soon'");
    assertThatThrownBy(() -> u.duration("t0", null)).hasMessageEndingWith("t0 must be positive and under 24 days, not '0s'");
    assertThatThrownBy(() -> u.intParam("n", 1, 1, 9)).hasMessageEndingWith("n must be a number from 1 to 9, not '0'");
    assertThatThrownBy(() -> u.flag("b", false)).hasMessageEndingWith("b must be true or false, not 'maybe'");
    assertThatThrownBy(() -> u.size("s", 0)).hasMessageEndingWith("s must be a size such as 4096, 64K, 4M or 1G, not 'lots'");
    assertThatThrownBy(() -> u.requireKnown(List.of("timeout", "t0", "n", "b", "s")))
        .hasMessageEndingWith("unknown option 'colour'; the options are b, n, s, t0, timeout");
    String[][] bad = {
      {"redis://:" + PW + "@h:99999/1", "bad port '99999'"},
      {"redis://:" + PW + "@h:port/1", "bad port 'port'"},
      {"redis://:" + PW + "@h/1#frag", "fragment"},
      {"redis://:" + PW + "@[::1/1", "unclosed '['"},
      {"redis://:" + PW + "@h1,,h2/1", "empty host"},
      {"redis://:bad%zz" + PW + "@h/1", "percent-encoding"},
      {"no-scheme:" + PW + "@h", "not a URL"},
    };
    for (String[] c : bad) {
      assertThatThrownBy(() -> Url.parse(c[0], "bad URL", "use x://h")).as(c[0]).isInstanceOf(IOException.class)
          .hasMessageContaining(c[1])
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(PW).doesNotContain("\n"));
    }
  }

  @Test
  void withoutCredentials_dropsUserInfoAndSecretParams_only() {
    assertThat(Uris.withoutCredentials("http://AK:" + PW + "@127.0.0.1:9000/bucket/p")).isEqualTo("http://127.0.0.1:9000/bucket/p");
    assertThat(Uris.withoutCredentials("http://AK:" + PW + "/x@127.0.0.1:9000/bucket")).isEqualTo("http://127.0.0.1:9000/bucket");
    assertThat(Uris.withoutCredentials("s3://bucket/a@b/c")).as("'@' in a prefix stays").isEqualTo("s3://bucket/a@b/c");
    assertThat(Uris.withoutCredentials("http://h:9000/bucket/a%40b")).isEqualTo("http://h:9000/bucket/a%40b");
    assertThatThrownBy(() -> Uris.withoutCredentials("http://h:9000/bucket/a@b")).as("same shape as a:12/34@h")
        .hasMessageContaining("ambiguous");
    assertThat(Uris.withoutCredentials("s3://bucket/x?region=eu&secret_key=" + PW + "&access_key=AK")).isEqualTo("s3://bucket/x?region=eu");
    assertThat(Uris.withoutCredentials("s3://bucket/x?token=" + PW)).isEqualTo("s3://bucket/x");
    assertThat(Uris.withoutCredentials("file:///data/a@b")).isEqualTo("file:///data/a@b");
    assertThatThrownBy(() -> Uris.withoutCredentials("http://AK:12/34@h/b")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ambiguous").hasMessageNotContaining("12/34");
  }

  @Test
  void scheme_isLowerCase() {
    assertThat(Uris.scheme("S3://b")).isEqualTo("s3");
    assertThat(Uris.scheme("/no/scheme")).isNull();
  }
}
