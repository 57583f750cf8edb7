package io.nectarfs.gateway.s3;

import java.util.LinkedHashMap;
import java.util.Map;

/** Object tags: S3's limits, and the URL-query form of the x-amz-tagging header. */
final class Tags {
  private Tags() {}

  static final int MAX_TAGS = 10;

  /** {@code k1=v1&k2=v2} (URL-encoded) as a map, validated. */
  static Map<String, String> fromQuery(String header) throws S3Exception {
    Map<String, String> tags = new LinkedHashMap<>();
    if (!header.isEmpty()) {
      for (String part : header.split("&")) {
        int eq = part.indexOf('=');
        String k = S3Paths.decode(eq < 0 ? part : part.substring(0, eq), true);
        String v = eq < 0 ? "" : S3Paths.decode(part.substring(eq + 1), true);
        if (tags.put(k, v) != null) {
          throw S3Error.INVALID_TAG.exception("Cannot provide multiple Tags with the same key");
        }
      }
    }
    validate(tags);
    return tags;
  }

  static void validate(Map<String, String> tags) throws S3Exception {
    if (tags.size() > MAX_TAGS) {
      throw S3Error.INVALID_TAG.exception("Object tags cannot be greater than 10");
    }
    for (Map.Entry<String, String> e : tags.entrySet()) {
      if (e.getKey().isEmpty() || e.getKey().codePointCount(0, e.getKey().length()) > 128) {
        throw S3Error.INVALID_TAG.exception("The TagKey you have provided is invalid");
      }
      if (e.getValue().codePointCount(0, e.getValue().length()) > 256) {
        throw S3Error.INVALID_TAG.exception("The TagValue you have provided is invalid");
      }
    }
  }
}
