package io.nectarfs.cli;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Keeps a long-running process's Java heap near what its settings need, so a mount's memory
 * follows {@code --buffer-size} instead of growing to the JVM's default maximum (a quarter of the
 * machine's memory: 6 GiB here, where a mount after a parallel write held 3.7 GiB).
 *
 * <p>Processes started to serve a mount (a background mount, a keeper's workers and standby, an
 * upgrade's successor: {@link #mountJvm}) run G1 with transparent huge pages for the heap and a hard
 * maximum of twice the need (at least 1 GiB); the live set stays far below it, the collector works
 * harder instead of growing, and a periodic collection returns unused memory once the mount is idle.
 * Not ZGC: every block read from storage is a new 4 MiB array, which ZGC (JDK 25) places on a large
 * page of fresh memory (shared memory it cannot back with huge pages unless the machine's
 * {@code shmem_enabled} allows): page faults and zeroing took most of a cold sequential read's CPU.
 * Measured in docs/decisions.md ("Mount workers run G1 with huge pages").
 *
 * <p>A mount served inside the launcher's own JVM (foreground {@code --no-keeper}) cannot be given
 * a maximum at start: it keeps ZGC, whose {@code SoftMaxHeapSize} can be set at run time
 * ({@link #apply}): the collector works to stay below it and may exceed it only to avoid stalling
 * an allocation, so a burst never fails with OutOfMemoryError.
 *
 * <p>Write buffers live off the heap (nectar-chunk's page pool, at most {@code --buffer-size}
 * bytes); the heap still counts the buffer size because read-ahead blocks, which share that
 * budget, are heap arrays. A mount's resident memory is therefore about the heap in use plus at
 * most the buffer size of pages.
 */
final class HeapBound {
  /** Metadata and attribute caches, FUSE request handling, code and the registry: measured well below this. */
  static final long BASELINE = 256L << 20;

  private HeapBound() {}

  /** The heap a mount needs: its write/read-ahead buffers, an in-memory block cache, and the baseline. */
  static long forMount(long bufferSize, long memoryCacheSize) {
    return BASELINE + bufferSize + memoryCacheSize;
  }

  /** {@link #forMount(long, long)} of a mount's cache settings (the memory cache does not depend on the block size). */
  static long forMount(io.nectarfs.volume.CacheOptions c) {
    return forMount(c.bufferSize(), c.chunkConfig(4 << 20, "heap").memoryCacheSize());
  }

  /**
   * Sets the soft heap limit to {@code bytes} (at most the hard maximum); returns the value set, or
   * -1 when this JVM's collector has no soft limit (only ZGC honours it in JDK 25).
   */
  static long apply(long bytes) {
    if (!zgc()) {
      return -1;
    }
    long value = Math.min(bytes, Runtime.getRuntime().maxMemory());
    try {
      ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).setVMOption("SoftMaxHeapSize", Long.toString(value));
      return value;
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      return -1;
    }
  }

  private static boolean zgc() {
    return "true".equals(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption("UseZGC").getValue());
  }

  /** JVM options of a process that serves a mount and needs {@code need} bytes of heap (see the class comment). */
  static java.util.List<String> mountJvm(long need) {
    long max = Math.max(2 * need, 1L << 30);
    return java.util.List.of("-XX:+UseG1GC", "-XX:+UseTransparentHugePages", "-Xmx" + (max >> 20) + "m",
        "-XX:G1PeriodicGCInterval=" + IDLE_COLLECTION_MILLIS);
  }

  /** An idle mount's collection, which returns the heap it no longer uses (G1 uncommits then). */
  static final long IDLE_COLLECTION_MILLIS = 30_000;

  /** The soft limit in force (the hard maximum when none was set). */
  static long current() {
    return Long.parseLong(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption("SoftMaxHeapSize").getValue());
  }
}
