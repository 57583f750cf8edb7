package io.nectarfs.gateway.s3.store;

/** ETag comparison of conditional requests. Stateless. */
final class Etags {
  private Etags() {}

  /**
   * Whether an If-Match / If-None-Match header value matches {@code etag} (unquoted): "*" matches
   * any object; otherwise a comma-separated list of quoted or bare tags, weak ones ("W/") compared
   * by value.
   */
  static boolean matches(String header, String etag) {
    for (String t : header.split(",")) {
      String v = t.trim();
      if (v.equals("*")) {
        return true;
      }
      if (v.startsWith("W/")) {
        v = v.substring(2);
      }
      if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
        v = v.substring(1, v.length() - 1);
      }
      if (v.equals(etag)) {
        return true;
      }
    }
    return false;
  }
}
