package io.nectarfs.cli;

import io.nectarfs.fuse.wire.Proto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * What {@code nectar version} reports, gathered once: the NectarFS version (jar manifest, "dev"
 * from classes), the Java runtime, FUSE (the protocol range this build speaks, whether
 * {@code /dev/fuse} exists, the kernel release; the exact minor the kernel offers is only known
 * to a mount, which logs it), and the build's git commit and time ({@code build-info.properties},
 * written by the Maven build; null when unknown).
 *
 * @param version NectarFS version
 * @param java Java version and vendor
 * @param fuseProtocol the FUSE protocol range this build speaks, e.g. "7.12-7.39"
 * @param fuseDevice whether {@code /dev/fuse} exists (mounts need it)
 * @param kernel the kernel release ({@code /proc/sys/kernel/osrelease}), null when unreadable
 * @param gitCommit the commit the build was made from, null when unknown
 * @param buildTime when the build ran (UTC, ISO-8601), null when unknown
 */
record VersionInfo(String version, String java, String fuseProtocol, boolean fuseDevice, String kernel, String gitCommit, String buildTime) {

  static VersionInfo current() {
    String v = Nectar.class.getPackage().getImplementationVersion();
    Properties build = new Properties();
    try (InputStream in = VersionInfo.class.getResourceAsStream("build-info.properties")) {
      if (in != null) {
        build.load(in);
      }
    } catch (IOException e) {
      // no build info: reported as unknown
    }
    return new VersionInfo(v == null ? "dev" : v,
        System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")",
        Proto.KERNEL_MAJOR + "." + Proto.MIN_MINOR + "-" + Proto.KERNEL_MAJOR + "." + Proto.OUR_MINOR,
        Files.exists(Path.of("/dev/fuse")), kernelRelease(), known(build.getProperty("git.commit")), known(build.getProperty("build.time")));
  }

  /** The lines of {@code nectar version} and {@code nectar --version}. */
  String[] lines() {
    return new String[] {
      "nectar " + version,
      "java " + java,
      "fuse: protocol " + fuseProtocol + ", /dev/fuse " + (fuseDevice ? "present" : "missing (mounts need it)")
          + (kernel == null ? "" : ", kernel " + kernel) + " (a mount logs the minor the kernel offers)",
      "build: commit " + (gitCommit == null ? "unknown" : gitCommit) + ", built " + (buildTime == null ? "unknown" : buildTime)
    };
  }

  private static String known(String value) {
    return value == null || value.isBlank() || value.startsWith("${") ? null : value.strip();
  }

  private static String kernelRelease() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
