package io.nectarfs.cli;

import io.nectarfs.fuse.wire.Proto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What {@code nectar version} reports, gathered once: the NectarFS version (jar manifest, "dev"
 * from classes), the Java runtime, FUSE (the protocol range this build speaks, whether
 * {@code /dev/fuse} exists, the kernel release, and the protocol the kernel offers, which only a
 * mount learns: read from a running NectarFS mount's {@code /.stats} when there is one), and the
 * build's git commit and time ({@code build-info.properties}, written by the Maven build; null when
 * unknown).
 *
 * @param version NectarFS version
 * @param java Java version and vendor
 * @param fuseProtocol the FUSE protocol range this build speaks, e.g. "7.12-7.39"
 * @param fuseDevice whether {@code /dev/fuse} exists (mounts need it)
 * @param kernel the kernel release ({@code /proc/sys/kernel/osrelease}), null when unreadable
 * @param fuseKernelProtocol the FUSE protocol the kernel offers, e.g. "7.41", from a running mount; null when none is mounted
 * @param gitCommit the commit the build was made from, null when unknown
 * @param buildTime when the build ran (UTC, ISO-8601), null when unknown
 */
record VersionInfo(String version, String java, String fuseProtocol, boolean fuseDevice, String kernel, String fuseKernelProtocol, String gitCommit,
    String buildTime) {

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
        Files.exists(Path.of("/dev/fuse")), kernelRelease(), kernelFuseProtocol(), known(build.getProperty("git.commit")),
        known(build.getProperty("build.time")));
  }

  /** The lines of {@code nectar version} and {@code nectar --version}. */
  String[] lines() {
    return new String[] {
      "nectar " + version,
      "java " + java,
      "fuse: protocol " + fuseProtocol + ", /dev/fuse " + (fuseDevice ? "present" : "missing (mounts need it)")
          + (kernel == null ? "" : ", kernel " + kernel)
          + (fuseKernelProtocol == null ? " (mount a volume to see the protocol the kernel offers)" : ", kernel offers " + fuseKernelProtocol),
      "build: commit " + (gitCommit == null ? "unknown" : gitCommit) + ", built " + (buildTime == null ? "unknown" : buildTime)
    };
  }

  private static String known(String value) {
    return value == null || value.isBlank() || value.startsWith("${") ? null : value.strip();
  }

  /**
   * The protocol the kernel offered to the first running NectarFS mount whose /.stats says it, or
   * null. A hung mount must not hang {@code nectar version}: the reads run on a daemon thread that
   * is given up on after a few seconds.
   */
  private static String kernelFuseProtocol() {
    CompletableFuture<String> f = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> f.complete(readKernelFuseProtocol()));
    try {
      return f.get(3, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException | TimeoutException e) {
      return null;
    }
  }

  private static String readKernelFuseProtocol() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
        String[] f = line.split(" ");
        if (f.length < 3 || !f[2].equals(NectarMounts.FS_TYPE)) {
          continue;
        }
        for (String l : Files.readAllLines(Path.of(NectarMounts.unescape(f[1]), ".stats"))) {
          if (l.startsWith("nectar_fuse_kernel_protocol_minor")) {
            long minor = (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
            if (minor > 0) {
              return "7." + minor;
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // no mounts, or one we cannot read: unknown
    }
    return null;
  }

  private static String kernelRelease() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
