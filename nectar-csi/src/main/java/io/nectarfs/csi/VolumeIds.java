package io.nectarfs.csi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Volume ids of dynamically provisioned volumes and the subdirectory naming of CreateVolume.
 *
 * <p>A dynamic volume id is {@code <volume name>#<on delete>#<subdir>} (on delete: {@code
 * delete} or {@code retain}): DeleteVolume gets only the
 * id and secrets, so the id carries what it needs (which volume, whether to keep the data, which
 * directory). Anything else is a static volume (a PV made by hand; its volume context names the
 * subdirectory) and is never deleted by the driver.
 */
final class VolumeIds {
  /** StorageClass parameter: the subdirectory template (default {@value #DEFAULT_PATTERN}). */
  static final String PATH_PATTERN = "pathPattern";
  static final String DEFAULT_PATTERN = "${pv.name}";
  /**
   * StorageClass parameter: {@code delete} (default: remove the subdirectory, through the trash
   * when the volume has one) or {@code retain}.
   */
  static final String ON_DELETE = "onDelete";
  /** Volume context key: the subdirectory inside the volume that a PV is. */
  static final String SUBDIR = "subdir";
  /** Volume context key: the volume's name (display, mount keys). */
  static final String VOLUME_NAME = "volumeName";
  /** The claim's name and namespace, from the external-provisioner's {@code --extra-create-metadata}. */
  static final String PVC_NAME = "csi.storage.k8s.io/pvc/name";
  static final String PVC_NAMESPACE = "csi.storage.k8s.io/pvc/namespace";

  private static final Pattern VAR = Pattern.compile("\\$\\{([a-zA-Z.]+)}");
  private static final int MAX_ID = 128; // the spec's size limit of string fields

  private VolumeIds() {}

  /** A parsed dynamic volume id. */
  enum OnDelete {
    DELETE, RETAIN;

    String word() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    static Optional<OnDelete> of(String word) {
      for (OnDelete d : values()) {
        if (d.word().equals(word)) {
          return Optional.of(d);
        }
      }
      return Optional.empty();
    }
  }

  record Dynamic(String volumeName, OnDelete onDelete, String subdir) {
    String id() {
      return volumeName + "#" + onDelete.word() + "#" + subdir;
    }
  }

  static Optional<Dynamic> parse(String id) {
    String[] p = id.split("#", 3);
    if (p.length != 3 || p[0].isEmpty() || OnDelete.of(p[1]).isEmpty() || !p[2].startsWith("/")) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Dynamic(p[0], OnDelete.of(p[1]).get(), normalize(p[2])));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  static OnDelete onDelete(Map<String, String> parameters) {
    String v = parameters.getOrDefault(ON_DELETE, "delete");
    return OnDelete.of(v).orElseThrow(() -> CsiException.invalid("parameter " + ON_DELETE + "=" + v + ": use delete or retain"));
  }

  /** The id of a new dynamic volume; INVALID_ARGUMENT when it would exceed the spec's 128 bytes. */
  static String idOf(String volumeName, OnDelete onDelete, String subdir) {
    String id = new Dynamic(volumeName, onDelete, subdir).id();
    if (id.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_ID) {
      throw CsiException.invalid("volume id for " + subdir + " is longer than 128 bytes: use a shorter " + PATH_PATTERN);
    }
    return id;
  }

  /**
   * The subdirectory of PV {@code name} from the template: {@code ${pv.name}}, {@code
   * ${pvc.name}}, {@code ${pvc.namespace}} (the last two from the external-provisioner's
   * {@code csi.storage.k8s.io/pvc/*} parameters).
   */
  static String subdirOf(String name, Map<String, String> parameters) {
    String pattern = parameters.getOrDefault(PATH_PATTERN, DEFAULT_PATTERN);
    Map<String, String> vars = Map.of(
        "pv.name", name,
        "pvc.name", parameters.getOrDefault(PVC_NAME, ""),
        "pvc.namespace", parameters.getOrDefault(PVC_NAMESPACE, ""));
    Matcher m = VAR.matcher(pattern);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = vars.get(m.group(1));
      if (v == null) {
        throw CsiException.invalid(PATH_PATTERN + " " + pattern + ": unknown variable ${" + m.group(1) + "} (use ${pv.name}, ${pvc.name}, ${pvc.namespace})");
      }
      if (v.isEmpty() || v.contains("/")) {
        throw CsiException.invalid(PATH_PATTERN + " " + pattern + ": ${" + m.group(1) + "} is empty or has a '/' (is the provisioner run with --extra-create-metadata?)");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(v));
    }
    m.appendTail(out);
    try {
      return normalize("/" + out);
    } catch (IllegalArgumentException e) {
      throw CsiException.invalid(PATH_PATTERN + " " + pattern + ": " + e.getMessage());
    }
  }

  /** {@code /a/b}: absolute, no empty, "." or ".." component, not the root. */
  static String normalize(String path) {
    List<String> parts = components(path);
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("subdirectory " + path + " is the volume's root");
    }
    return "/" + String.join("/", parts);
  }

  static List<String> components(String path) {
    List<String> parts = new ArrayList<>();
    for (String s : path.split("/")) {
      if (s.isEmpty()) {
        continue;
      }
      if (s.equals(".") || s.equals("..")) {
        throw new IllegalArgumentException("subdirectory " + path + " has a '" + s + "' component");
      }
      parts.add(s);
    }
    return parts;
  }
}
