package io.nectarfs.csi.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both sources of this node's pods: a local HTTPS "kubelet" serving a recorded /pods, and the API informer. */
class NodePodsTest {
  static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.test-token";
  @TempDir static Path dir;
  static HttpsServer kubelet;
  static Path ca;
  static Path token;
  static final AtomicReference<String> seenAuth = new AtomicReference<>();
  static final AtomicInteger calls = new AtomicInteger();

  @BeforeAll
  static void startKubelet() throws Exception {
    Path ks = dir.resolve("kubelet.p12");
    ca = dir.resolve("ca.pem");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(keytool, "-genkeypair", "-alias", "kubelet", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=node-1",
        "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
        "-storepass", "changeit", "-keypass", "changeit");
    run(keytool, "-exportcert", "-rfc", "-alias", "kubelet", "-keystore", ks.toString(), "-storepass", "changeit", "-file", ca.toString());
    token = dir.resolve("token");
    Files.writeString(token, TOKEN + "\n");

    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(ks)) {
      store.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, "changeit".toCharArray());
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), null, null);
    byte[] body;
    try (InputStream in = NodePodsTest.class.getResourceAsStream("/kubelet/pods.json")) {
      body = in.readAllBytes();
    }
    kubelet = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    kubelet.setHttpsConfigurator(new HttpsConfigurator(ssl));
    kubelet.createContext("/pods", ex -> {
      calls.incrementAndGet();
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      seenAuth.set(auth);
      boolean ok = ("Bearer " + TOKEN).equals(auth);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(ok ? 200 : 401, ok ? body.length : -1);
      try (OutputStream out = ex.getResponseBody()) {
        if (ok) {
          out.write(body);
        }
      }
    });
    kubelet.start();
  }

  @AfterAll
  static void stopKubelet() {
    kubelet.stop(0);
  }

  static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }

  static URI base() {
    return URI.create("https://127.0.0.1:" + kubelet.getAddress().getPort());
  }

  @Test
  void kubeletPodsAreReadWithTheTokenOverVerifiedTls() throws Exception {
    try (NodePods pods = NodePods.kubelet(base(), token, ca, Duration.ofSeconds(30))) {
      List<Pod> list = pods.list();

      assertThat(seenAuth.get()).isEqualTo("Bearer " + TOKEN);
      assertThat(list).extracting(p -> p.getMetadata().getName()).containsExactly("nectar-mount-node-1-vol-a", "trainer-7d9f-0");
      Pod mount = list.getFirst();
      assertThat(MountPods.ready(mount)).isTrue();
      assertThat(MountPods.restarts(mount)).isEqualTo(1);
      assertThat(mount.getMetadata().getLabels()).containsEntry(MountPods.LABEL_KEY, "vol-a");
    }
  }

  @Test
  void withoutCaFileTheSelfSignedKubeletIsAccepted() throws Exception {
    try (NodePods pods = NodePods.kubelet(URI.create(base() + "/"), token, null, Duration.ofSeconds(30))) {
      assertThat(pods.list()).hasSize(2);
    }
  }

  @Test
  void aRejectedTokenIsNamed() throws Exception {
    Path wrong = dir.resolve("wrong-token");
    Files.writeString(wrong, "nope");
    try (NodePods pods = NodePods.kubelet(base(), wrong, ca, Duration.ofSeconds(30))) {
      assertThatThrownBy(pods::list).hasMessageContaining("answered HTTP 401").hasMessageContaining("nodes/proxy")
          .hasMessageNotContaining("nope");
    }
  }

  @Test
  void aWrongCertificateIsRefused() throws Exception {
    Path otherCa = dir.resolve("other.pem");
    Path ks2 = dir.resolve("other.p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(keytool, "-genkeypair", "-alias", "x", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=other", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", ks2.toString(), "-storepass", "changeit", "-keypass", "changeit");
    run(keytool, "-exportcert", "-rfc", "-alias", "x", "-keystore", ks2.toString(), "-storepass", "changeit", "-file", otherCa.toString());
    int before = calls.get();
    try (NodePods pods = NodePods.kubelet(base(), token, otherCa, Duration.ofSeconds(30))) {
      assertThatThrownBy(pods::list).hasMessageContaining("does not answer");
    }
    assertThat(calls.get()).as("the token never reached a server we do not trust").isEqualTo(before);
  }

  @Test
  void theApiServerSourceListsOnlyThisNodesPods() throws Exception {
    KubernetesMockServer server = MockApi.start();
    try (KubernetesClient client = server.createClient()) {
      for (String node : List.of("node-1", "node-2")) {
        client.pods().inNamespace("nectarfs").resource(new PodBuilder().withNewMetadata().withName("p-" + node).endMetadata()
            .withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("i").endContainer().endSpec().build()).create();
      }
      // The mock answers a field selector with no pods: the informer without it, and the client-side filter, are tested.
      try (NodePods pods = new ApiServerNodePods(client, "nectarfs", "node-1", false)) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (pods.list().isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertThat(pods.list()).extracting(p -> p.getMetadata().getName()).containsExactly("p-node-1");
      }
    } finally {
      MockApi.stop(server);
    }
  }
}
