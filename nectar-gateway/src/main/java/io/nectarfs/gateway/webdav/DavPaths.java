package io.nectarfs.gateway.webdav;

import io.nectarfs.common.Names;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Request paths ↔ volume paths. A request path is percent-decoded into bytes and those bytes
 * into a {@link Names} string (bytes that are not UTF-8 survive as escape characters), so every
 * name of the volume has exactly one href and back. Paths are normalised to "/" or "/a/b" (no
 * trailing slash, no empty components); "." and ".." components are refused (400), as are NUL
 * bytes and malformed escapes.
 */
final class DavPaths {
  private DavPaths() {}

  /** The volume path of an encoded request path ({@code /a%20b/c}). */
  static String decode(String raw) throws DavException {
    if (raw == null || !raw.startsWith("/")) {
      throw new DavException(400, "the request path must start with /");
    }
    List<String> parts = new ArrayList<>();
    for (String seg : raw.split("/")) {
      if (seg.isEmpty()) {
        continue;
      }
      String name = Names.decode(unescape(seg));
      if (name.equals(".") || name.equals("..")) {
        throw new DavException(400, "the path must not contain . or .. components");
      }
      if (name.indexOf('\0') >= 0 || name.indexOf('/') >= 0) {
        throw new DavException(400, "a name must not contain NUL or an encoded /");
      }
      parts.add(name);
    }
    return "/" + String.join("/", parts);
  }

  /** The volume path of a Destination header (an absolute URI or an absolute path). */
  static String destination(String header) throws DavException {
    if (header == null || header.isBlank()) {
      throw new DavException(400, "COPY and MOVE need a Destination header");
    }
    String raw = header.trim();
    if (!raw.startsWith("/")) {
      try {
        URI u = new URI(raw);
        raw = u.getRawPath();
      } catch (java.net.URISyntaxException e) {
        throw new DavException(400, "the Destination header is not a URI");
      }
      if (raw == null || raw.isEmpty()) {
        raw = "/";
      }
    }
    return decode(raw);
  }

  private static byte[] unescape(String seg) throws DavException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(seg.length());
    byte[] utf8 = seg.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int i = 0; i < utf8.length; i++) {
      byte b = utf8[i];
      if (b == '%') {
        if (i + 2 >= utf8.length) {
          throw new DavException(400, "malformed percent escape in the path");
        }
        int hi = Character.digit(utf8[i + 1], 16);
        int lo = Character.digit(utf8[i + 2], 16);
        if (hi < 0 || lo < 0) {
          throw new DavException(400, "malformed percent escape in the path");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        out.write(b);
      }
    }
    return out.toByteArray();
  }

  /** The href of a volume path: each byte outside the unreserved set percent-encoded; "/" kept; {@code dir} adds a trailing slash. */
  static String encode(String path, boolean dir) {
    StringBuilder sb = new StringBuilder();
    for (byte b : Names.encode(path)) {
      int c = b & 0xff;
      if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    if (dir && !path.endsWith("/")) {
      sb.append('/');
    }
    return sb.toString();
  }

  /** The parent of a normalised path ("/" for "/a"; null for "/"). */
  static String parent(String path) {
    if (path.equals("/")) {
      return null;
    }
    int i = path.lastIndexOf('/');
    return i == 0 ? "/" : path.substring(0, i);
  }

  /** The last name of a normalised path ("" for "/"). */
  static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** Whether {@code path} is {@code root} or below it. */
  static boolean within(String path, String root) {
    return path.equals(root) || root.equals("/") || path.startsWith(root + "/");
  }

  static String child(String dir, String name) {
    return dir.equals("/") ? "/" + name : dir + "/" + name;
  }
}
