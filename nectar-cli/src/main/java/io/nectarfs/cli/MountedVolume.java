package io.nectarfs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nectarfs.common.Names;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The volume behind a path in a running mount, for commands that take either {@code META-URL
 * PATH} or a mount path. A mount's {@code /.config} names its metadata URL ({@code "meta"})
 * without password or secret parameters, so nothing secret is readable by other users of the
 * mount; credentials come from the environment as for every command (e.g. {@code META_PASSWORD}).
 * A {@code --subdir} mount has no {@code /.config} at its root: such paths need META-URL.
 *
 * @param metaUrl the metadata URL, without credentials
 * @param path the path inside the volume, escaped as {@link Names#escape} does
 */
record MountedVolume(String metaUrl, String path) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The volume and path of {@code local}, a path in a running NectarFS mount; an {@link
   * IOException} of one line when it is not in one.
   */
  static MountedVolume of(Path local) throws IOException {
    Path p = local.toAbsolutePath().normalize();
    Path mnt = NectarMounts.containing(p)
        .orElseThrow(() -> new IOException(local + " is not in a NectarFS mount: give META-URL and a path inside the volume"));
    JsonNode meta;
    try {
      meta = JSON.readTree(Files.readAllBytes(mnt.resolve(".config"))).get("meta");
    } catch (IOException e) {
      throw new IOException("cannot read " + mnt.resolve(".config") + " to find the volume of " + local
          + " (a --subdir mount has none): give META-URL and a path inside the volume");
    }
    if (meta == null || !meta.isTextual()) {
      throw new IOException("the mount at " + mnt + " does not say which volume it serves (an older nectar?): give META-URL and a path inside the volume");
    }
    String rel = mnt.relativize(p).toString();
    return new MountedVolume(meta.asText(), Names.escape("/" + rel));
  }
}
