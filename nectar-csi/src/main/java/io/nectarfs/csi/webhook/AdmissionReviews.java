package io.nectarfs.csi.webhook;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.EnumSet;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * AdmissionReview {@value #API_VERSION} in and out: the checks of a request (one-line errors that
 * never quote the body, which may hold a pod's plain environment values) and the response with
 * its RFC 6902 patch.
 *
 * <p>The patch is the diff (fabric8's zjsonpatch, already the Kubernetes client's) of the pod as
 * the fabric8 model writes it before and after the change, so a field the model writes
 * differently from the request (an empty list it leaves out) yields no operation. Move and copy
 * operations are left out: only add, remove and replace, which every JSON-patch reader applies
 * the same way.
 */
final class AdmissionReviews {
  static final String API_VERSION = "admission.k8s.io/v1";
  static final String KIND = "AdmissionReview";
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final KubernetesSerialization MODEL = new KubernetesSerialization();
  private static final int MAX_ECHO = 64;

  private AdmissionReviews() {}

  /** A request this webhook answers; {@code object} is null when the review carries none (a DELETE). */
  record Request(String uid, String kind, String operation, String namespace, JsonNode object) {}

  /** A review that cannot be answered: HTTP 400 with this one-line message. */
  static final class BadReview extends Exception {
    BadReview(String message) {
      super(message, null, false, false);
    }
  }

  static Request parse(byte[] body) throws BadReview {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JacksonException e) {
      TokenStreamLocation at = e.getLocation();
      throw new BadReview("malformed AdmissionReview: not JSON" + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    }
    if (root == null || !root.isObject()) {
      throw new BadReview("malformed AdmissionReview: expected a JSON object");
    }
    String apiVersion = text(root.get("apiVersion"));
    if (!API_VERSION.equals(apiVersion)) {
      throw new BadReview("unsupported AdmissionReview apiVersion " + echo(apiVersion) + ": this webhook serves " + API_VERSION
          + " (admissionReviewVersions: [v1])");
    }
    if (!KIND.equals(text(root.get("kind")))) {
      throw new BadReview("unsupported kind " + echo(text(root.get("kind"))) + ": expected " + KIND);
    }
    JsonNode req = root.get("request");
    if (req == null || !req.isObject()) {
      throw new BadReview("AdmissionReview has no request");
    }
    String uid = text(req.get("uid"));
    if (uid == null || uid.isBlank()) {
      throw new BadReview("AdmissionReview request has no uid");
    }
    JsonNode object = req.get("object");
    return new Request(uid, text(req.path("kind").get("kind")), text(req.get("operation")), text(req.get("namespace")),
        object == null || object.isNull() ? null : object);
  }

  /** The pod of {@code r}. */
  static Pod pod(Request r) throws BadReview {
    try {
      return MODEL.convertValue(r.object(), Pod.class);
    } catch (RuntimeException e) {
      throw new BadReview("request " + r.uid() + ": the object is not a Pod");
    }
  }

  /** A deep copy of {@code pod}, through JSON (the model's builders may drop fields they do not know). */
  static Pod copy(Pod pod) {
    return MODEL.clone(pod);
  }

  /** The JSON patch that turns {@code before} into {@code after}. */
  static JsonNode patch(Pod before, Pod after) {
    return JsonDiff.asJson(tree(before), tree(after), EnumSet.of(DiffFlags.OMIT_MOVE_OPERATION, DiffFlags.OMIT_COPY_OPERATION));
  }

  static byte[] allow(String uid, JsonNode patch) {
    ObjectNode response = response(uid, true);
    if (patch != null && !patch.isEmpty()) {
      response.put("patchType", "JSONPatch");
      response.put("patch", Base64.getEncoder().encodeToString(JSON.writeValueAsBytes(patch)));
    }
    return review(response);
  }

  static byte[] refuse(String uid, String message) {
    ObjectNode response = response(uid, false);
    ObjectNode status = response.putObject("status");
    status.put("code", 403);
    status.put("reason", "Forbidden");
    status.put("message", message);
    return review(response);
  }

  private static ObjectNode response(String uid, boolean allowed) {
    ObjectNode response = JSON.createObjectNode();
    response.put("uid", uid);
    response.put("allowed", allowed);
    return response;
  }

  private static byte[] review(ObjectNode response) {
    ObjectNode root = JSON.createObjectNode();
    root.put("apiVersion", API_VERSION);
    root.put("kind", KIND);
    root.set("response", response);
    return JSON.writeValueAsBytes(root);
  }

  private static JsonNode tree(Pod pod) {
    return JSON.readTree(MODEL.asJson(pod).getBytes(StandardCharsets.UTF_8));
  }

  private static String text(JsonNode n) {
    return n != null && n.isString() ? n.stringValue() : null;
  }

  private static String echo(String s) {
    if (s == null) {
      return "(none)";
    }
    String clean = s.replaceAll("[^\\x20-\\x7e]", "?");
    return clean.length() <= MAX_ECHO ? "'" + clean + "'" : "'" + clean.substring(0, MAX_ECHO) + "...'";
  }
}
