package io.nectarfs.gateway.s3.auth;

import java.util.List;
import java.util.Map;

/**
 * What a signature covers, as received (nothing decoded or normalised): the method, the raw path
 * and query of the request line, and the headers with lower-case names in arrival order.
 *
 * @param rawPath the path exactly as sent (percent-encoded), e.g. {@code /bucket/a%20b}
 * @param rawQuery the query exactly as sent without '?', "" when none
 * @param headers lower-case name → values in arrival order
 */
public record SignedRequest(String method, String rawPath, String rawQuery, Map<String, List<String>> headers) {
  public SignedRequest {
    headers = Map.copyOf(headers);
  }

  /** The first value of a header (name in any case), or null. */
  public String header(String name) {
    List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
    return v == null || v.isEmpty() ? null : v.getFirst();
  }
}
