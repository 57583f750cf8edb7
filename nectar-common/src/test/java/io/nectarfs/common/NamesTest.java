package io.nectarfs.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class NamesTest {
  private static byte[] hex(String h) {
    return HexFormat.of().parseHex(h.replace(" ", ""));
  }

  private static void assertRoundTrip(byte[] b) {
    String s = Names.decode(b);
    assertThat(Names.encode(s)).as("round trip of %s", HexFormat.of().formatHex(b)).isEqualTo(b);
    assertThat(Names.encodedLength(s)).isEqualTo(b.length);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "61", "c3a9", "e282ac", "f09f9880", "efbfbd", // ASCII, é, €, emoji, a real U+FFFD
      "e9", "63 61 66 e9", // Latin-1 "café"
      "83 65 83 58 83 67", // Shift-JIS "テスト"
      "c0 80", "c1 bf", "e0 80 80", "e0 9f bf", "f0 80 80 80", "f0 8f bf bf", // overlong forms
      "80", "bf", "61 80 62", "80 80 80", // lone continuation bytes
      "c3", "e2 82", "f0 9f 98", "61 e2 82", "e2 82 61", // truncated sequences
      "ed a0 80", "ed bf bf", "ed a0 bd ed b8 80", // encoded surrogates (CESU-8)
      "f4 90 80 80", "f5 80 80 80", "fe", "ff", // above U+10FFFF, never-valid bytes
      "f0 9f 98 80 80", "ed 9f bf", "f4 8f bf bf", // pair followed by escape, edges just inside
  })
  void everyShapeRoundTripsExactly(String h) {
    assertRoundTrip(hex(h));
  }

  @Test
  void validUtf8DecodesAsTheJdkDoes() {
    String s = "café-テスト-\uD83D\uDE00-\uFFFD";
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    assertThat(Names.decode(b)).isEqualTo(s);
    assertThat(Names.isUtf8(Names.decode(b))).isTrue();
    assertThat(Names.encode(s)).isEqualTo(b);
  }

  @Test
  void invalidBytesBecomeEscapeCharacters() {
    assertThat(Names.decode(hex("63 61 66 e9"))).isEqualTo("caf\uDCE9");
    assertThat(Names.decode(hex("ed a0 80"))).isEqualTo("\uDCED\uDCA0\uDC80");
    assertThat(Names.decode(hex("e2 82 61"))).isEqualTo("\uDCE2\uDC82a");
    assertThat(Names.isUtf8("caf\uDCE9")).isFalse();
  }

  @Test
  void randomBytesRoundTrip() {
    SplittableRandom rnd = new SplittableRandom(42);
    for (int i = 0; i < 200_000; i++) {
      byte[] b = new byte[rnd.nextInt(12)];
      for (int k = 0; k < b.length; k++) {
        // bias towards lead and continuation bytes so that near-valid sequences are common
        int r = rnd.nextInt(4);
        b[k] = (byte) (r == 0 ? rnd.nextInt(256) : r == 1 ? 0x80 + rnd.nextInt(64) : r == 2 ? 0xC0 + rnd.nextInt(64) : 0x20 + rnd.nextInt(96));
      }
      assertRoundTrip(b);
    }
  }

  @Test
  void loneSurrogatesOutsideTheEscapeRangeAreRejected() {
    assertThatThrownBy(() -> Names.encode("a\uD800b")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("U+D800");
    assertThatThrownBy(() -> Names.encode("a\uDC7F")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("U+DC7F");
    assertThatThrownBy(() -> Names.encode("\uDD00")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Names.encode("x\uDBFF")).isInstanceOf(IllegalArgumentException.class);
    // the escape range itself, and a valid pair whose low half lies in it, encode deterministically
    assertThat(Names.encode("\uDC80\uDCFF")).isEqualTo(hex("80 ff"));
    assertThat(Names.encode("\uD83D\uDC80")).isEqualTo("\uD83D\uDC80".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void lengthCountsBytesNotCharacters() {
    assertThat(Names.encodedLength("é".repeat(128))).isEqualTo(256);
    assertThat(Names.encodedLength("\uDCE9".repeat(255))).isEqualTo(255);
  }

  @Test
  void escapePrintsBytesUnambiguously() {
    assertThat(Names.escape("plain name.txt")).isEqualTo("plain name.txt");
    assertThat(Names.escape("café")).isEqualTo("café");
    assertThat(Names.escape(Names.decode(hex("63 61 66 e9")))).isEqualTo("caf\\xe9");
    assertThat(Names.escape("a\\b\nc")).isEqualTo("a\\\\b\\x0ac");
    assertThat(Names.escape("\uD83D\uDE00")).isEqualTo("\uD83D\uDE00");
  }

  @Test
  void unescapeInvertsEscape() {
    for (String h : new String[] {"63 61 66 e9", "5c 78 65 39", "5c 5c", "83 65 83 58", "c3 a9", "61 0a 62"}) {
      String name = Names.decode(hex(h));
      assertThat(Names.unescape(Names.escape(name))).as(h).isEqualTo(name);
    }
    assertThat(Names.unescape("dir/caf\\xe9")).isEqualTo("dir/caf\uDCE9");
    assertThat(Names.unescape("caf\\xc3\\xa9")).isEqualTo("café");
    assertThat(Names.unescape("a\\b")).isEqualTo("a\\b");
  }
}
