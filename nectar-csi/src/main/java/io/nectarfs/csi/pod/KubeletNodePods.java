package io.nectarfs.csi.pod;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * {@link NodePods} from the local kubelet's {@code /pods} endpoint with the JDK HTTP client.
 * Stateless between calls (the HTTP client is thread-safe); the token is re-read on every call.
 */
final class KubeletNodePods implements NodePods {
  private final URI podsUri;
  private final Path tokenFile;
  private final Duration timeout;
  private final HttpClient http;

  KubeletNodePods(URI base, Path tokenFile, Path caFile, Duration timeout) throws IOException {
    String b = base.toString();
    this.podsUri = URI.create(b.endsWith("/") ? b + "pods" : b + "/pods");
    this.tokenFile = tokenFile;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).sslContext(sslContext(caFile)).build();
  }

  @Override
  public List<Pod> list() throws IOException {
    HttpRequest.Builder req = HttpRequest.newBuilder(podsUri).timeout(timeout).GET().header("Accept", "application/json");
    if (tokenFile != null) {
      String token;
      try {
        token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new IOException("kubelet " + podsUri + ": cannot read the service-account token " + tokenFile + " (" + e.getClass().getSimpleName() + ")", e);
      }
      req.header("Authorization", "Bearer " + token);
    }
    HttpResponse<InputStream> resp;
    try {
      resp = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("kubelet " + podsUri + ": interrupted", e);
    } catch (IOException e) {
      throw new IOException("kubelet " + podsUri + " does not answer: " + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
    }
    try (InputStream in = resp.body()) {
      if (resp.statusCode() != 200) {
        throw new IOException("kubelet " + podsUri + " answered HTTP " + resp.statusCode()
            + (resp.statusCode() == 401 || resp.statusCode() == 403 ? " (check the token and the RBAC rule for nodes/proxy)" : ""));
      }
      PodList list = Serialization.unmarshal(in, PodList.class);
      return list.getItems() == null ? List.of() : List.copyOf(list.getItems());
    } catch (RuntimeException e) {
      throw new IOException("kubelet " + podsUri + ": not a pod list (" + e.getMessage() + ")", e);
    }
  }

  @Override
  public void close() {
    http.close();
  }

  private static SSLContext sslContext(Path caFile) throws IOException {
    try {
      TrustManager[] trust;
      if (caFile == null) {
        trust = new TrustManager[] {new AnyCertificate()};
      } else {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
          int i = 0;
          for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
            ks.setCertificateEntry("ca" + i++, c);
          }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        trust = tmf.getTrustManagers();
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, trust, new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IOException("kubelet CA " + caFile + ": " + e.getMessage(), e);
    }
  }

  /** Accepts the kubelet's self-signed certificate (used only when no CA file is configured). */
  private static final class AnyCertificate extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
