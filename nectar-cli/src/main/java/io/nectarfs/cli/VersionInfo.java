package io.nectarfs.cli;

import io.nectarfs.fuse.wire.Proto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

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
   * The protocol the kernel offered to a running NectarFS mount whose /.stats says it, or null.
   * Every mount is asked on its own virtual thread and the first answer wins: a dead mount (ENOTCONN
   * after its daemon was killed) or an unreadable one does not hide a live one, and a hung mount does
   * not hang {@code nectar version}: it is given up on after a few seconds.
   */
  private static String kernelFuseProtocol() {
    List<Path> mounts = NectarMounts.all();
    if (mounts.isEmpty()) {
      return null;
    }
    CompletableFuture<String> first = new CompletableFuture<>();
    AtomicInteger pending = new AtomicInteger(mounts.size());
    for (Path m : mounts) {
      Thread.ofVirtual().start(() -> {
        String minor = protocolOf(m);
        if (minor != null) {
          first.complete(minor);
        } else if (pending.decrementAndGet() == 0) {
          first.complete(null);
        }
      });
    }
    try {
      return first.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException | TimeoutException e) {
      return null;
    }
  }

  /** "7.N" from one mount's /.stats, or null when the mount is dead, unreadable or not yet initialised. */
  private static String protocolOf(Path mount) {
    try {
      for (String l : Files.readAllLines(mount.resolve(".stats"))) {
        if (l.startsWith("nectar_fuse_kernel_protocol_minor")) {
          long minor = (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
          return minor > 0 ? "7." + minor : null;
        }
      }
    } catch (IOException | RuntimeException e) {
      // a dead or foreign mount: no answer from this one
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
