package io.nectarfs.cli;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Keeps a long-running process's Java heap near what its settings need, so a mount's memory
 * follows {@code --buffer-size} instead of growing to the JVM's default maximum (a quarter of the
 * machine's memory: 6 GiB here, where a mount after a parallel write held 3.7 GiB).
 *
 * <p>The bound is ZGC's {@code SoftMaxHeapSize}, a flag that can be set at run time: the collector
 * works to stay below it and may exceed it only to avoid stalling an allocation, so a burst never
 * fails with OutOfMemoryError; memory above it is returned to the system once unused. Processes on
 * another collector are left as they are ({@link #apply} says so). A soft limit alone does not
 * stop a burst of garbage (a parallel write on a busy machine grew a mount to 2.2 GiB of heap
 * with 200 MiB live), so a background mount's JVM also starts with a hard maximum of twice the
 * need (at least 1 GiB; the live set stays far below it, the collector works harder instead of
 * growing) and returns unused memory after 10 s instead of 5 minutes ({@link #childOptions}).
 *
 * <p>Write buffers live off the heap (nectar-chunk's page pool, at most {@code --buffer-size}
 * bytes); the heap still counts the buffer size because read-ahead blocks, which share that
 * budget, are heap arrays. A mount's resident memory is therefore about the heap in use plus at
 * most the buffer size of pages (measured: ~300 MiB + the buffer size after 1 GiB of writes).
 */
final class HeapBound {
  /** Metadata and attribute caches, FUSE request handling, code and the registry: measured well below this. */
  static final long BASELINE = 256L << 20;

  private HeapBound() {}

  /** The heap a mount needs: its write/read-ahead buffers, an in-memory block cache, and the baseline. */
  static long forMount(long bufferSize, long memoryCacheSize) {
    return BASELINE + bufferSize + memoryCacheSize;
  }

  /**
   * Sets the soft heap limit to {@code bytes} (at most the hard maximum); returns the value set, or
   * -1 when this JVM's collector has no soft limit.
   */
  static long apply(long bytes) {
    long value = Math.min(bytes, Runtime.getRuntime().maxMemory());
    try {
      ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).setVMOption("SoftMaxHeapSize", Long.toString(value));
      return value;
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      return -1;
    }
  }

  /** JVM options for a background mount's process that needs {@code need} bytes of heap. */
  static java.util.List<String> childOptions(long need) {
    long max = Math.max(2 * need, 1L << 30);
    return java.util.List.of("-Xmx" + (max >> 20) + "m", "-XX:ZUncommitDelay=10");
  }

  /** The soft limit in force (the hard maximum when none was set). */
  static long current() {
    return Long.parseLong(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption("SoftMaxHeapSize").getValue());
  }
}
