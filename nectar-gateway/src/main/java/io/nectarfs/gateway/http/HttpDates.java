package io.nectarfs.gateway.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * HTTP dates as RFC 9110 sends them (IMF-fixdate, {@code Tue, 01 Dec 2026 00:36:11 GMT}): a
 * two-digit day, which {@link DateTimeFormatter#RFC_1123_DATE_TIME} does not write ("1 Dec"), and
 * which strict clients and S3 itself use. Parsing stays lenient elsewhere (RFC 1123 accepts both).
 */
public final class HttpDates {
  private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private HttpDates() {}

  /** {@code t} (whole seconds) as an IMF-fixdate. */
  public static String format(Instant t) {
    return IMF_FIXDATE.format(t.truncatedTo(ChronoUnit.SECONDS));
  }
}
