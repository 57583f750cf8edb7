package io.nectarfs.gateway.s3.store;

import io.nectarfs.common.Names;
import io.nectarfs.gateway.s3.S3Error;
import io.nectarfs.gateway.s3.S3Exception;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * Bucket names and object keys as the store accepts them, their byte order, and the hidden names
 * the store keeps for itself. Stateless.
 *
 * <p>A key is a path: components separated by '/', at most {@link #MAX_KEY} bytes of UTF-8, each
 * component at most {@link #MAX_COMPONENT} bytes (a longer one is {@code KeyTooLongError} too: the
 * volume cannot name it). Keys with an empty component ({@code a//b}, a leading '/'), a "." or ".."
 * component, a NUL, or a component starting with {@link #HIDDEN} cannot be objects: writes answer
 * {@code InvalidArgument}, reads {@code NoSuchKey}. A key ending in '/' is a directory marker.
 */
final class S3Keys {
  static final int MAX_KEY = 1024;
  static final int MAX_COMPONENT = 255;
  /** Every name the store creates for itself starts with this; such names are never listed. */
  static final String HIDDEN = ".nectar-s3";
  static final String TEMP_PREFIX = HIDDEN + "-tmp.";
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern IP = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private S3Keys() {}

  /** S3's bucket naming rules (3..63 of a-z 0-9 . -, letter or digit at both ends, no "..", not an IP address, no reserved prefix or suffix). */
  static boolean validBucket(String name) {
    return name != null
        && BUCKET.matcher(name).matches()
        && !name.contains("..")
        && !IP.matcher(name).matches()
        && !name.startsWith("xn--")
        && !name.startsWith("sthree-")
        && !name.endsWith("-s3alias")
        && !name.endsWith("--ol-s3");
  }

  /** Null when {@code key} can be an object, else why not (the error a write answers). */
  static S3Exception invalid(String key) {
    if (key == null || key.isEmpty()) {
      return S3Error.INVALID_ARGUMENT.exception("The object key is empty.");
    }
    byte[] b;
    try {
      b = Names.encode(key);
    } catch (IllegalArgumentException e) {
      return S3Error.INVALID_ARGUMENT.exception("The object key is not valid Unicode.");
    }
    if (b.length > MAX_KEY) {
      return S3Error.KEY_TOO_LONG.exception("Your key is too long (" + b.length + " bytes, at most " + MAX_KEY + ").");
    }
    String body = key.endsWith("/") ? key.substring(0, key.length() - 1) : key;
    if (body.isEmpty()) {
      return S3Error.INVALID_ARGUMENT.exception("The object key '/' names no path.");
    }
    for (String c : body.split("/", -1)) {
      if (c.isEmpty()) {
        return S3Error.INVALID_ARGUMENT.exception("The object key has an empty path component ('//' or a leading '/'); keys are paths here.");
      }
      if (c.equals(".") || c.equals("..")) {
        return S3Error.INVALID_ARGUMENT.exception("The object key has a '" + c + "' path component; keys are paths here.");
      }
      if (c.indexOf('\0') >= 0) {
        return S3Error.INVALID_ARGUMENT.exception("The object key contains a NUL character.");
      }
      if (c.startsWith(HIDDEN)) {
        return S3Error.INVALID_ARGUMENT.exception("Names starting with " + HIDDEN + " are reserved by the gateway.");
      }
      if (Names.encode(c).length > MAX_COMPONENT) {
        return S3Error.KEY_TOO_LONG.exception("A path component of the key is longer than " + MAX_COMPONENT + " bytes, the volume's longest name.");
      }
    }
    return null;
  }

  static void check(String key) throws S3Exception {
    S3Exception e = invalid(key);
    if (e != null) {
      throw e;
    }
  }

  static boolean isMarker(String key) {
    return key.endsWith("/");
  }

  /** Names the store keeps for itself (temporaries, the staging directory): never listed. */
  static boolean hidden(String name) {
    return name.startsWith(HIDDEN);
  }

  /** The UTF-8 bytes (names that are not UTF-8 keep their raw bytes) whose order is S3's key order. */
  static byte[] bytes(String s) {
    return Names.encode(s);
  }

  static int compare(String a, String b) {
    return Arrays.compareUnsigned(bytes(a), bytes(b));
  }

  /** {@code dir + "/" + name} for a volume path ({@code dir} may be "/"). */
  static String child(String dir, String name) {
    return dir.endsWith("/") ? dir + name : dir + "/" + name;
  }

  /** The parent path of a volume path other than "/". */
  static String parent(String path) {
    int i = path.lastIndexOf('/');
    return i <= 0 ? "/" : path.substring(0, i);
  }
}
