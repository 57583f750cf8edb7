package io.nectarfs.cli;

import io.nectarfs.common.Sizes;
import io.nectarfs.vfs.VfsConfig;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.VolumeOptions;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Data-path flags shared by every command that reads or writes file data (mount, warmup, bench). */
final class DataOptions {
  @Option(names = "--cache-dir", paramLabel = "DIR", split = ":", description = "Local disk cache directories, ':'-separated (default: $HOME/.nectar/cache; 'memory' for a memory-only cache).")
  List<String> cacheDirs;

  @Option(names = "--cache-size", paramLabel = "SIZE", description = "Disk cache limit (default: ${DEFAULT-VALUE}).")
  String cacheSize = "100G";

  @Option(names = "--free-space-ratio", paramLabel = "RATIO", description = "Keep this fraction of the cache disk free (default: ${DEFAULT-VALUE}).")
  double freeSpaceRatio = 0.1;

  @Option(names = "--cache-on-write", description = "Cache blocks as they are written, not only when read.")
  boolean cacheOnWrite;

  @Option(names = "--buffer-size", paramLabel = "SIZE", description = "Memory for write buffers and read-ahead (default: ${DEFAULT-VALUE}).")
  String bufferSize = "300M";

  @Option(names = "--writeback", description = "Stage written blocks on the local disk and upload them in the background (fast, durable on this machine first).")
  boolean writeback;

  @Option(names = "--upload-threads", paramLabel = "N", description = "Concurrent uploads (default: ${DEFAULT-VALUE}).")
  int uploadThreads = 20;

  @Option(names = "--prefetch-threads", paramLabel = "N", description = "Concurrent read-ahead downloads (default: ${DEFAULT-VALUE}).")
  int prefetchThreads = 8;

  @Option(names = "--read-ahead", paramLabel = "SIZE", description = "Largest read-ahead window per stream (default: ${DEFAULT-VALUE}).")
  String readAhead = "64M";

  @Option(names = "--atime-mode", paramLabel = "MODE", description = "When reading updates access times: noatime (never), relatime (when older than mtime/ctime or a day: "
      + "one metadata write per file a day) or strictatime (every open) (default: ${DEFAULT-VALUE}).")
  String atimeMode = "noatime";

  @Option(names = "--durability", paramLabel = "WHEN", description = "When written data becomes durable: close (every close, the default) or fsync "
      + "(only fsync, fsyncdir and O_SYNC writes, as on a local file system: a crash may lose what was closed but not fsynced).")
  String durability = "close";

  @Option(names = "--cache-mode", paramLabel = "OCTAL", description = "Mode of cached and staged block files, at least 0600; directories get search where read is granted (default: ${DEFAULT-VALUE}: only this user).")
  String cacheMode = "0600";

  @Option(names = "--cache-encrypted", description = "Keep cached blocks encrypted on disk with a key that lives only in this process (for shared hosts; the disk cache starts empty at every mount).")
  boolean cacheEncrypted;

  @Option(names = "--upload-limit", paramLabel = "SIZE", description = "This process's upload bandwidth to the object store per second, e.g. 100M (default: unlimited).")
  String uploadLimit;

  @Option(names = "--download-limit", paramLabel = "SIZE", description = "This process's download bandwidth from the object store per second, e.g. 100M (default: unlimited).")
  String downloadLimit;

  @Option(names = "--simulate-store-latency", paramLabel = "DURATION", description = "For benchmarks and tests: add this latency to every object store request, as a remote store would (default: none).")
  String simulatedLatency;

  /** Whether {@code --cache-dir memory} asks for no disk cache. */
  boolean memoryOnly() {
    return cacheDirs != null && cacheDirs.size() == 1 && cacheDirs.getFirst().equals("memory");
  }

  /** This process's limits on the object store. */
  io.nectarfs.volume.StoreTuning storeTuning() {
    return new io.nectarfs.volume.StoreTuning(uploadLimit == null ? 0 : Sizes.parse(uploadLimit), downloadLimit == null ? 0 : Sizes.parse(downloadLimit),
        simulatedLatency == null ? java.time.Duration.ZERO : Durations.parse(simulatedLatency));
  }

  /** The cache file mode; {@link IllegalArgumentException} naming the option when it is not one. */
  int cacheModeBits() {
    try {
      int m = Integer.parseInt(cacheMode, 8);
      if ((m & ~0777) == 0 && (m & 0600) == 0600) {
        return m;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--cache-mode '" + cacheMode + "' is not an octal mode from 0600 to 0777 that lets the owner read and write (e.g. 0600, 0640)");
  }

  /** Checks every data option, as a usage error naming the option (before anything is started). */
  void validate(CommandLine cl) {
    for (String[] size : new String[][] {{"--cache-size", cacheSize}, {"--buffer-size", bufferSize}, {"--read-ahead", readAhead}}) {
      try {
        long v = Sizes.parse(size[1]);
        if (v <= 0 && !size[0].equals("--cache-size")) {
          throw new ParameterException(cl, size[0] + " " + size[1] + " must be more than 0");
        }
      } catch (IllegalArgumentException e) {
        throw new ParameterException(cl, size[0] + ": " + e.getMessage());
      }
    }
    for (String[] size : new String[][] {{"--upload-limit", uploadLimit}, {"--download-limit", downloadLimit}}) {
      try {
        if (size[1] != null && Sizes.parse(size[1]) <= 0) {
          throw new ParameterException(cl, size[0] + " " + size[1] + " must be more than 0");
        }
      } catch (IllegalArgumentException e) {
        throw new ParameterException(cl, size[0] + ": " + e.getMessage());
      }
    }
    if (simulatedLatency != null) {
      try {
        if (Durations.parse(simulatedLatency).isNegative()) {
          throw new ParameterException(cl, "--simulate-store-latency " + simulatedLatency + " must not be negative");
        }
      } catch (IllegalArgumentException e) {
        throw new ParameterException(cl, "--simulate-store-latency: " + e.getMessage());
      }
    }
    if (!(freeSpaceRatio >= 0 && freeSpaceRatio < 1)) {
      throw new ParameterException(cl, "--free-space-ratio " + freeSpaceRatio + " is out of range: use a fraction from 0 to below 1, e.g. 0.1");
    }
    if (uploadThreads < 1 || uploadThreads > 1024) {
      throw new ParameterException(cl, "--upload-threads " + uploadThreads + " is out of range: use 1 to 1024");
    }
    if (prefetchThreads < 1 || prefetchThreads > 1024) {
      throw new ParameterException(cl, "--prefetch-threads " + prefetchThreads + " is out of range: use 1 to 1024");
    }
    if (cacheDirs != null && cacheDirs.stream().anyMatch(String::isBlank)) {
      throw new ParameterException(cl, "--cache-dir has an empty directory: give DIR[:DIR...] or 'memory'");
    }
    try {
      cacheModeBits();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, e.getMessage());
    }
    try {
      io.nectarfs.vfs.AtimeMode.parse(atimeMode);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, "--atime-mode: " + e.getMessage());
    }
    if (!durability.equals("close") && !durability.equals("fsync")) {
      throw new ParameterException(cl, "--durability must be close or fsync, got '" + durability + "'");
    }
  }

  /** The cache settings these flags ask for (the volume adds a subdirectory per UUID to each cache directory). */
  CacheOptions cacheOptions() throws java.io.IOException {
    CacheOptions.Builder b = CacheOptions.builder()
        .cacheSize(Sizes.parse(cacheSize))
        .freeSpaceRatio(freeSpaceRatio)
        .cacheOnWrite(cacheOnWrite)
        .bufferSize(Sizes.parse(bufferSize))
        .writeback(writeback)
        .uploadThreads(uploadThreads)
        .downloadThreads(prefetchThreads)
        .cacheMode(cacheModeBits(), cacheEncrypted);
    if (cacheDirs != null && cacheDirs.size() == 1 && cacheDirs.getFirst().equals("memory")) {
      b.cacheDirs(List.of());
    } else if (cacheDirs != null) {
      b.cacheDirs(cacheDirs.stream().map(Path::of).toList());
    } else {
      b.cacheDirs(List.of(DefaultPaths.ensure(DefaultPaths.nectarDir().resolve("cache"), "cache directory", "--cache-dir DIR (or 'memory')")));
    }
    return b.build();
  }

  /** How a command opens the volume with these flags; {@code clientName} is shown by {@code nectar status}. */
  VolumeOptions volumeOptions(String clientName, boolean readOnly) throws java.io.IOException {
    return VolumeOptions.defaults().withCache(cacheOptions()).withVfsConfig(vfsConfig()).withClientName(clientName).withReadOnly(readOnly)
        .withStoreTuning(storeTuning());
  }

  VfsConfig vfsConfig() {
    VfsConfig d = VfsConfig.defaults();
    return new VfsConfig(Sizes.parse(readAhead), d.flushIdle(), d.flushMaxAge(), d.compactThreshold(), d.attrCache(), d.internalFiles(),
        io.nectarfs.vfs.AtimeMode.parse(atimeMode)).withCloseDurable(!durability.equals("fsync"));
  }
}
