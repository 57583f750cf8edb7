package io.nectarfs.cli;

import io.nectarfs.common.Names;
import io.nectarfs.common.Uris;
import io.nectarfs.common.Url;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The volume behind a path in a running mount, for commands that take either {@code META-URL
 * PATH} or a mount path. A mount publishes {@code nectar_mount_volume{meta_url, subdir} 1} in its
 * {@code /.stats}: the metadata URL without password or secret parameters (so nothing secret is
 * readable by other users of the mount; credentials come from the environment as for every
 * command, e.g. {@code META_PASSWORD}), and the directory of the volume it serves.
 *
 * @param metaUrl the metadata URL, without credentials
 * @param path the path inside the volume, escaped as {@link Names#escape} does
 */
record MountedVolume(String metaUrl, String path) {
  static final String METRIC = "nectar_mount_volume";

  /** What a mount publishes for {@code metaUrl}: the URL without password or secrets, the user kept. */
  static String publishedUrl(String metaUrl) {
    String plain = Uris.withoutCredentials(metaUrl);
    try {
      String user = Url.parse(metaUrl, "metadata URL", "").user();
      if (user != null && user.matches("[A-Za-z0-9._-]+")) {
        return plain.replaceFirst("://", "://" + user + "@");
      }
    } catch (IOException | RuntimeException e) {
      // no user, or a path-form URL: the plain form is all there is
    }
    return plain;
  }

  /**
   * The volume and path of {@code local}, a path in a running NectarFS mount; an {@link
   * IOException} of one line when it is not in one.
   */
  static MountedVolume of(Path local) throws IOException {
    Path p = local.toAbsolutePath().normalize();
    Path mnt = NectarMounts.containing(p)
        .orElseThrow(() -> new IOException(local + " is not in a NectarFS mount: give META-URL and a path inside the volume"));
    String text;
    try {
      text = Files.readString(mnt.resolve(".stats"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IOException("cannot read " + mnt.resolve(".stats") + " to find the volume of " + local + ": give META-URL and a path inside the volume");
    }
    for (PromText.Sample s : PromText.parse(text).samples()) {
      if (s.name().equals(METRIC) && s.labels().containsKey("meta_url")) {
        String subdir = s.labels().getOrDefault("subdir", "/");
        String rel = mnt.relativize(p).toString();
        String inVolume = rel.isEmpty() ? subdir : (subdir.endsWith("/") ? subdir : subdir + "/") + rel;
        return new MountedVolume(s.labels().get("meta_url"), Names.escape(inVolume));
      }
    }
    throw new IOException("the mount at " + mnt + " does not say which volume it serves (an older nectar?): give META-URL and a path inside the volume");
  }
}
