package io.nectarfs.gateway.webdav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Names;
import org.junit.jupiter.api.Test;

class DavPathsTest {
  @Test
  void decode_percentEscapesAsUtf8_spacesAndPercent() throws Exception {
    assertThat(DavPaths.decode("/a%20b/%C3%BC%25x/")).isEqualTo("/a b/ü%x");
    assertThat(DavPaths.decode("/")).isEqualTo("/");
    assertThat(DavPaths.decode("//x//y")).isEqualTo("/x/y");
    assertThat(DavPaths.decode("/a;b/c+d")).isEqualTo("/a;b/c+d");
  }

  @Test
  void decode_refusesDotDotDotNulAndEncodedSlash() {
    for (String bad : new String[] {"/a/../b", "/%2e%2e/x", "/./x", "/a%2Fb", "/a%00b", "/a%2", "/a%zz", "relative"}) {
      assertThatThrownBy(() -> DavPaths.decode(bad)).as(bad).isInstanceOf(DavException.class)
          .satisfies(e -> assertThat(((DavException) e).status()).isEqualTo(400));
    }
  }

  @Test
  void encode_roundTripsEveryName_includingBytesThatAreNotUtf8() throws Exception {
    String notUtf8 = Names.decode(new byte[] {'x', (byte) 0xff, 'y'});
    for (String path : new String[] {"/a b", "/ü%x/a#b?.txt", "/" + notUtf8, "/日本/語", "/a;b"}) {
      String href = DavPaths.encode(path, false);
      assertThat(href).doesNotContain(" ", "#", "?");
      assertThat(DavPaths.decode(href)).isEqualTo(path);
    }
    assertThat(DavPaths.encode("/d", true)).isEqualTo("/d/");
    assertThat(DavPaths.encode("/a b", false)).isEqualTo("/a%20b");
  }

  @Test
  void destination_takesThePathOfAnAbsoluteUri() throws Exception {
    assertThat(DavPaths.destination("http://host:8080/x%20y/z")).isEqualTo("/x y/z");
    assertThat(DavPaths.destination("/p")).isEqualTo("/p");
    assertThatThrownBy(() -> DavPaths.destination(null)).isInstanceOf(DavException.class);
  }

  @Test
  void parentNameWithin() {
    assertThat(DavPaths.parent("/a/b")).isEqualTo("/a");
    assertThat(DavPaths.parent("/a")).isEqualTo("/");
    assertThat(DavPaths.parent("/")).isNull();
    assertThat(DavPaths.within("/a/b", "/a")).isTrue();
    assertThat(DavPaths.within("/ab", "/a")).isFalse();
    assertThat(DavPaths.within("/x", "/")).isTrue();
  }
}
