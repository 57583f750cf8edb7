package io.nectarfs.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class HttpDatesTest {
  @Test
  void aDayBelowTen_hasTwoDigits_asIMFFixdate() {
    assertThat(HttpDates.format(Instant.parse("2026-12-01T00:36:11.9Z"))).isEqualTo("Tue, 01 Dec 2026 00:36:11 GMT");
    assertThat(HttpDates.format(Instant.parse("1994-11-06T08:49:37Z"))).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
  }

  @Test
  void whatItWrites_parsesBack() {
    Instant t = Instant.parse("2026-03-09T23:59:59Z");
    assertThat(ZonedDateTime.parse(HttpDates.format(t), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()).isEqualTo(t);
  }
}
