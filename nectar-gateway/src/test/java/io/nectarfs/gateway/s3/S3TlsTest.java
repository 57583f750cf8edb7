package io.nectarfs.gateway.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.gateway.s3.auth.AccessKey;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS from a PKCS12 keystore: a client that trusts the certificate is served; the URL says https. */
class S3TlsTest {
  @TempDir Path tmp;

  @Test
  void servesHttpsFromAPkcs12Keystore() throws Exception {
    Path ks = tmp.resolve("gw.p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process p = new ProcessBuilder(keytool, "-genkeypair", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
        "-alias", "gw", "-keyalg", "EC", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-validity", "2").redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.exists(ks)).isTrue();

    MemStore store = new MemStore();
    TestAuth auth = new TestAuth(new AccessKey("rw", "s", 0, 0, new int[0], false));
    try (S3Gateway g = S3Gateway.start(store, S3Gateway.Options.of(new InetSocketAddress("127.0.0.1", 0), auth)
        .withTls(new S3Gateway.Tls(ks, "changeit")))) {
      assertThat(g.url()).startsWith("https://127.0.0.1:");
      KeyStore trust = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(ks)) {
        trust.load(in, "changeit".toCharArray());
      }
      KeyStore onlyCert = KeyStore.getInstance("PKCS12");
      onlyCert.load(null, null);
      onlyCert.setCertificateEntry("gw", (X509Certificate) trust.getCertificate("gw"));
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(onlyCert);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      try (HttpClient http = HttpClient.newBuilder().sslContext(ctx).build()) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(g.url() + "/")).header("Authorization", GatewayFixture.AUTH_RW).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("<ListAllMyBucketsResult");
      }
    }
  }
}
