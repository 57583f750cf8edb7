package io.nectarfs.meta.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.Transactions;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/** URL syntax, and one-line errors that never show the password. */
class RedisUrlAndErrorsTest {
  private static final String SECRET = "s3cr3t-Pa55";
  private static final Secrets NO_ENV = new Secrets(Map.of());

  private static TxnKv open(String url, Secrets secrets) throws IOException {
    return MetaEngines.registry().open(url, secrets);
  }

  /** One line, names the redacted URL's host, never the password. */
  private static AbstractThrowableAssert<?, ? extends Throwable> assertOneLine(Throwable e, String... secrets) {
    assertThat(e).isInstanceOf(IOException.class);
    assertThat(e.getMessage()).doesNotContain("\n");
    for (String s : secrets) {
      assertThat(e.getMessage()).doesNotContain(s);
      assertThat(e.toString()).doesNotContain(s);
    }
    return assertThat(e);
  }

  private static Throwable failure(String url, Secrets secrets) {
    try (TxnKv kv = open(url, secrets)) {
      throw new AssertionError("opened " + kv.describe());
    } catch (IOException e) {
      return e;
    }
  }

  @Test
  void parse_fullUrl() throws IOException {
    RedisUrl u = RedisUrl.parse("rediss://bob:p%40ss%2Fw@redis.example:6380/3?prefix=vol-1&connect-timeout=500ms&timeout=2s&max-connections=5");
    assertThat(u.tls()).isTrue();
    assertThat(u.host()).isEqualTo("redis.example");
    assertThat(u.port()).isEqualTo(6380);
    assertThat(u.db()).isEqualTo(3);
    assertThat(u.user()).isEqualTo("bob");
    assertThat(u.password()).isEqualTo("p@ss/w");
    assertThat(u.tag()).isEqualTo("{vol-1}");
    assertThat(u.connectTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(u.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(u.maxConnections()).isEqualTo(5);
    assertThat(u.redacted()).isEqualTo("rediss://bob:****@redis.example:6380/3?prefix=vol-1&connect-timeout=500ms&timeout=2s&max-connections=5");
    assertThat(u.toString()).doesNotContain("p%40ss");
  }

  @Test
  void parse_defaults() throws IOException {
    RedisUrl u = RedisUrl.parse("redis://localhost");
    assertThat(u.tls()).isFalse();
    assertThat(u.port()).isEqualTo(6379);
    assertThat(u.db()).isZero();
    assertThat(u.user()).isNull();
    assertThat(u.password()).isNull();
    assertThat(u.tag()).isEqualTo("{0}");
    assertThat(RedisUrl.parse("redis://:pw@[::1]:7000/2").host()).isEqualTo("::1");
    assertThat(RedisUrl.parse("redis://:pw@[::1]:7000/2").tag()).isEqualTo("{2}");
    assertThat(RedisUrl.parse("redis://pw@h/").password()).isEqualTo("pw");
  }

  @Test
  void parse_badUrls_sayWhatToFix_withoutThePassword() {
    String[][] cases = {
      {"redis://:" + SECRET + "@h:99999/1", "bad port '99999'"},
      {"redis://:" + SECRET + "@h:6379/db1", "database number"},
      {"redis://:" + SECRET + "@h:6379/1?prefix=a{b}", "prefix must be"},
      {"redis://:" + SECRET + "@h:6379/1?colour=red", "unknown option 'colour'"},
      {"redis://:" + SECRET + "@h:6379/1?timeout=soon", "timeout must be a duration"},
      {"redis://:" + SECRET + "@/1", "host is missing"},
      {"redis://:" + SECRET.replace("-", "/") + "@h:6379/1", "percent-encode"},
      {"redis://:" + SECRET.replace("-", "@") + "@h:6379/1", "percent-encode"},
      {"redis://:" + SECRET + "@h:6379/1#x", "fragment"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> RedisUrl.parse(c[0])).as(c[0]).isInstanceOf(IOException.class)
          .hasMessageStartingWith("bad Redis URL redis://:****@")
          .hasMessageContaining(c[1])
          .satisfies(e -> assertOneLine(e, SECRET, SECRET.replace("-", "/"), SECRET.replace("-", "@"), "Pa55"));
    }
    assertThatThrownBy(() -> RedisUrl.parse("memcache://h")).hasMessageContaining("not a redis:// or rediss:// URL");
  }

  @Test
  void unreachableServer_failsFastWithOneLine() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    long t0 = System.nanoTime();
    Throwable e = failure("redis://:" + SECRET + "@127.0.0.1:" + port + "/1", NO_ENV);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertOneLine(e, SECRET).hasMessage("cannot connect to redis://:****@127.0.0.1:" + port + "/1: connection refused — is Redis running?");
  }

  @Test
  void silentServer_timesOutWithOneLine() throws Exception {
    // Accepts connections and never answers, like a hung server.
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> held = new ArrayList<>();
      Thread acceptor = Thread.ofVirtual().start(() -> {
        try {
          while (true) {
            held.add(s.accept());
          }
        } catch (IOException ignored) {
          // closed
        }
      });
      long t0 = System.nanoTime();
      Throwable e = failure("redis://:" + SECRET + "@127.0.0.1:" + s.getLocalPort() + "/1?timeout=700ms", NO_ENV);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
      assertOneLine(e, SECRET).hasMessageStartingWith("cannot connect to redis://:****@127.0.0.1:" + s.getLocalPort() + "/1?timeout=700ms: no answer within 700 ms");
      s.close();
      acceptor.join();
      for (Socket c : held) {
        c.close();
      }
    }
  }

  @Test
  void wrongPassword_saysSo() {
    String base = RedisTestSupport.baseUrl();
    String wrong = base.replaceFirst("://:[^@]*@", "://:" + SECRET + "@");
    Throwable e = failure(wrong, NO_ENV);
    assertOneLine(e, SECRET).hasMessageStartingWith("cannot log in to redis://:****@").hasMessageContaining("wrong password");
  }

  @Test
  void missingPassword_saysWhereToPutIt() {
    String base = RedisTestSupport.baseUrl();
    Throwable e = failure(base.replaceFirst("://:[^@]*@", "://"), NO_ENV);
    assertOneLine(e).hasMessageContaining("requires a password").hasMessageContaining("META_PASSWORD");
  }

  @Test
  void passwordFromMetaPassword_works() throws IOException {
    String base = RedisTestSupport.baseUrl();
    String pass = base.substring(base.indexOf("://:") + 4, base.indexOf('@'));
    String prefix = RedisTestSupport.uniquePrefix();
    String noPass = base.replaceFirst("://:[^@]*@", "://") + (base.contains("?") ? "&" : "?") + "prefix=" + prefix;
    try (TxnKv kv = open(noPass, new Secrets(Map.of("META_PASSWORD", pass)))) {
      Transactions.run(kv, tx -> {
        tx.put(new byte[] {'F'}, new byte[] {1});
        return null;
      });
      byte[] v = Transactions.read(kv, tx -> tx.get(new byte[] {'F'}));
      assertThat(v).containsExactly(1);
      assertThat(kv.describe()).doesNotContain(pass);
      kv.reset();
    }
  }

  @Test
  void missingDatabase_saysSo() {
    String base = RedisTestSupport.baseUrl();
    String url = base.replaceFirst("/\\d+(\\?|$)", "/9999$1");
    Throwable e = failure(url, NO_ENV);
    String pass = base.substring(base.indexOf("://:") + 4, base.indexOf('@'));
    assertOneLine(e, pass).hasMessageContaining("database 9999 does not exist");
  }

  @Test
  void allConnectionsBusy_saysSo() throws Exception {
    String prefix = RedisTestSupport.uniquePrefix();
    String url = RedisTestSupport.url(prefix) + "&max-connections=1&timeout=500ms";
    try (TxnKv kv = open(url, NO_ENV)) {
      java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      Thread holder = Thread.ofVirtual().start(() -> {
        try {
          kv.txn(tx -> {
            inside.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return null;
          });
        } catch (IOException ignored) {
          // not what this test checks
        }
      });
      inside.await();
      assertThatThrownBy(() -> kv.txn(tx -> tx.get(new byte[] {'F'})))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("no free connection to redis://:****@")
          .hasMessageContaining("all 1 are busy");
      release.countDown();
      holder.join();
    }
  }
}
