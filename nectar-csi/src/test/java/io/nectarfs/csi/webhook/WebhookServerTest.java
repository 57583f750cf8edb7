package io.nectarfs.csi.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.flipkart.zjsonpatch.JsonPatch;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook over real HTTPS on 127.0.0.1 against the fabric8 mock API server: AdmissionReview
 * JSON in, the JSON patch out, applied to the pod as it was sent with Flipkart's zjsonpatch (not
 * the library that made it) and compared with the expected pod.
 */
class WebhookServerTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static KubernetesMockServer api;
  static KubernetesClient client;
  static WebhookServer webhook;
  static HttpClient http;
  static URI mutate;

  @BeforeAll
  static void start() throws Exception {
    api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    api.init();
    client = api.createClient();
    Cluster.populate(client);
    Tls tls = Tls.selfSigned(dir);
    webhook = WebhookServer.start(WebhookConfig.of(new InetSocketAddress("127.0.0.1", 0), tls.cert(), tls.key()).withNamespace("nectarfs"), client);
    http = HttpClient.newBuilder().sslContext(tls.clientContext()).build();
    mutate = URI.create("https://127.0.0.1:" + webhook.port() + "/mutate");
  }

  @AfterAll
  static void stop() {
    if (webhook != null) {
      webhook.close();
    }
    client.close();
    try {
      api.destroy();
    } catch (IllegalStateException e) {
      // the mock server's shutdown may time out on a busy machine (see pod.MockApi)
    }
  }

  static ObjectNode review(String resource) throws IOException {
    try (InputStream in = WebhookServerTest.class.getResourceAsStream("/webhook/" + resource)) {
      return (ObjectNode) JSON.readTree(in);
    }
  }

  static HttpResponse<String> post(byte[] body) throws Exception {
    return http.send(HttpRequest.newBuilder(mutate).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The response of an admission that must be answered (HTTP 200, the request's uid). */
  static JsonNode admit(JsonNode review) throws Exception {
    HttpResponse<String> r = post(JSON.writeValueAsBytes(review));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode out = JSON.readTree(r.body());
    assertThat(out.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
    assertThat(out.path("kind").asText()).isEqualTo("AdmissionReview");
    assertThat(out.path("response").path("uid").asText()).isEqualTo(review.path("request").path("uid").asText());
    return out.path("response");
  }

  /** The pod of {@code review} after the webhook's patch, which must be there. */
  static JsonNode patched(JsonNode review) throws Exception {
    JsonNode response = admit(review);
    assertThat(response.path("allowed").asBoolean()).as(response.toString()).isTrue();
    assertThat(response.path("patchType").asText()).isEqualTo("JSONPatch");
    JsonNode patch = JSON.readTree(Base64.getDecoder().decode(response.path("patch").asText()));
    return JsonPatch.apply(patch, review.path("request").path("object"));
  }

  static JsonNode expected(String resource) throws IOException {
    try (InputStream in = WebhookServerTest.class.getResourceAsStream("/webhook/" + resource)) {
      return JSON.readTree(in);
    }
  }

  @Test
  void podWithOneClaim_getsASidecarAndTheEmptyDir() throws Exception {
    assertThat(patched(review("pod-one-pvc.json"))).isEqualTo(expected("pod-one-pvc.expected.json"));
  }

  @Test
  void claimsVolumesAndClasses_comeFromTheInformers_notFromARequestPerAdmission() throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (!webhook.objects().synced()) {
      assertThat(System.nanoTime()).as("the informers listed once").isLessThan(deadline);
      Thread.sleep(10);
    }
    long gets = webhook.objects().gets();
    for (int i = 0; i < 3; i++) {
      assertThat(patched(review("pod-one-pvc.json"))).isEqualTo(expected("pod-one-pvc.expected.json"));
    }
    assertThat(webhook.objects().gets()).as("GETs of claims, volumes or classes the cache had").isEqualTo(gets);
  }

  @Test
  void podWithSidecarsAndInitContainers_oursGoBetweenThem() throws Exception {
    assertThat(patched(review("pod-with-sidecars.json"))).isEqualTo(expected("pod-with-sidecars.expected.json"));
  }

  @Test
  void podWithoutNectarClaims_isAllowedWithoutPatch() throws Exception {
    assertAllowedUnchanged(admit(review("pod-no-nectar.json")));
  }

  static void assertAllowedUnchanged(JsonNode response) {
    assertThat(response.path("allowed").asBoolean()).as(response.toString()).isTrue();
    assertThat(response.has("patch")).isFalse();
    assertThat(response.has("patchType")).isFalse();
  }

  @Test
  void podNotOptedIn_isLeftAlone() throws Exception {
    ObjectNode review = review("pod-one-pvc.json");
    ((ObjectNode) review.path("request")).put("namespace", "plain");
    assertAllowedUnchanged(admit(review));
  }

  @Test
  void secondAdmissionOfThePatchedPod_changesNothing() throws Exception {
    ObjectNode review = review("pod-one-pvc.json");
    JsonNode once = patched(review);
    ((ObjectNode) review.path("request")).set("object", once);
    ((ObjectNode) review.path("request")).put("uid", "second-admission");
    assertAllowedUnchanged(admit(review));
  }

  @Test
  void podThatCannotBeServed_isRefusedSayingWhy() throws Exception {
    assertThat(refusal("pending")).contains("PersistentVolumeClaim apps/pending is not bound");
    assertThat(refusal("missing")).contains("PersistentVolumeClaim apps/missing (volume data) does not exist");
    assertThat(refusal("lost")).contains("Secret apps/gone-secret", "does not exist");
    assertThat(refusal("foreign")).contains("is in namespace nectarfs", "node-publish-secret-namespace");
  }

  /** The status message of the refusal of the one-claim pod using claim {@code claim}. */
  static String refusal(String claim) throws Exception {
    ObjectNode review = review("pod-one-pvc.json");
    ((ObjectNode) review.path("request").path("object").path("spec").path("volumes").get(0).path("persistentVolumeClaim")).put("claimName", claim);
    JsonNode response = admit(review);
    assertThat(response.path("allowed").asBoolean()).as(response.toString()).isFalse();
    assertThat(response.has("patch")).isFalse();
    assertThat(response.path("status").path("code").asInt()).isEqualTo(403);
    String message = response.path("status").path("message").asText();
    assertThat(message).startsWith("nectarfs sidecar: ").doesNotContain("\n");
    return message;
  }

  @Test
  void noSecretValue_inPatchesRefusalsOrLogs() throws Exception {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    StringBuilder answers = new StringBuilder();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      for (String r : new String[] {"pod-one-pvc.json", "pod-with-sidecars.json"}) {
        JsonNode response = admit(review(r));
        answers.append(response).append(new String(Base64.getDecoder().decode(response.path("patch").asText()), StandardCharsets.UTF_8));
      }
      for (String claim : new String[] {"pending", "lost", "foreign"}) {
        answers.append(refusal(claim));
      }
    } finally {
      System.setErr(err);
    }
    String logs = captured.toString(StandardCharsets.UTF_8);
    assertThat(logs).contains("sidecars injected", "refused");
    assertThat(answers.toString()).contains("NECTAR_MOUNT_META_URL", "redis.example", "secretKeyRef");
    for (String text : new String[] {answers.toString(), logs}) {
      assertThat(text).doesNotContain(Cluster.PASSWORD, Cluster.STORAGE_KEY, Base64.getEncoder().encodeToString(Cluster.META_URL.getBytes(StandardCharsets.UTF_8)));
    }
  }

  @Test
  void malformedJson_is400WithOneLine() throws Exception {
    HttpResponse<String> r = post("{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"request\": {\"uid\": \"x\", \"object\": {\"env\": \"app-token-plain-42\"".getBytes(StandardCharsets.UTF_8));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body().strip()).startsWith("malformed AdmissionReview: not JSON (line 1").doesNotContain("\n", "Exception", "app-token");
  }

  @Test
  void unknownApiVersion_is400NamingIt() throws Exception {
    ObjectNode review = review("pod-one-pvc.json");
    review.put("apiVersion", "admission.k8s.io/v1beta1");
    HttpResponse<String> r = post(JSON.writeValueAsBytes(review));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body().strip()).isEqualTo("unsupported AdmissionReview apiVersion 'admission.k8s.io/v1beta1': this webhook serves admission.k8s.io/v1 (admissionReviewVersions: [v1])");
  }

  @Test
  void missingUid_is400() throws Exception {
    ObjectNode review = review("pod-one-pvc.json");
    ((ObjectNode) review.path("request")).remove("uid");
    HttpResponse<String> r = post(JSON.writeValueAsBytes(review));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body().strip()).isEqualTo("AdmissionReview request has no uid");
  }

  @Test
  void hugeBody_is413() throws Exception {
    byte[] body = new byte[WebhookConfig.of(new InetSocketAddress(0), dir, dir).maxRequestBytes() + 1];
    java.util.Arrays.fill(body, (byte) ' ');
    HttpResponse<String> r = post(body);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body().strip()).isEqualTo("AdmissionReview larger than 8388608 bytes");
  }
}
