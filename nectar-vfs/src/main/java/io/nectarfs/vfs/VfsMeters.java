package io.nectarfs.vfs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.nectarfs.common.Latency;
import io.nectarfs.common.Metrics;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The VFS meters, registered once per VFS: {@code nectar_vfs_op_seconds{op}} (latency histogram
 * per operation, pre-registered for every {@link Op} so recording is an array index), bytes read
 * and written, committed slices, compactions, and gauges of open handles and dirty inodes.
 *
 * <p>Concurrency: immutable after construction; the meters are thread-safe.
 */
final class VfsMeters {
  /** The timed VFS operations; the label is the lower-case name. */
  enum Op {
  ACCESS,
  COPY_FILE_RANGE,
  CREATE,
  FALLOCATE,
  FLOCK,
  FLUSH,
  FSYNC,
  GETATTR,
  GETLK,
  GETXATTR,
  LINK,
  LISTXATTR,
  LOOKUP,
  LSEEK,
  MKDIR,
  MKNOD,
  OPEN,
  OPENDIR,
  READ,
  READDIR,
  READLINK,
  RELEASE,
  REMOVEXATTR,
  RENAME,
  RMDIR,
  SETATTR,
  SETLK,
  SETXATTR,
  STATFS,
  SUMMARY,
  SYMLINK,
  UNLINK,
  WRITE;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  private final Metrics metrics;
  private final Latency[] ops = new Latency[Op.values().length];
  final Counter readBytes;
  final Counter writeBytes;
  final Counter slicesCommitted;
  final Counter compactions;

  VfsMeters(Metrics metrics) {
    this.metrics = metrics;
    for (Op op : Op.values()) {
      ops[op.ordinal()] = metrics.latency("nectar_vfs_op", "latency of VFS operations", "op", op.label);
    }
    var r = metrics.registry();
    readBytes = Counter.builder("nectar_vfs_read_bytes").baseUnit("bytes").description("bytes read through the VFS").register(r);
    writeBytes = Counter.builder("nectar_vfs_write_bytes").baseUnit("bytes").description("bytes written through the VFS").register(r);
    slicesCommitted = Counter.builder("nectar_vfs_slices_committed").description("slices committed by this client").register(r);
    compactions = Counter.builder("nectar_vfs_compactions").description("chunk compactions run by this client").register(r);
  }

  Metrics metrics() {
    return metrics;
  }

  Latency timer(Op op) {
    return ops[op.ordinal()];
  }

  /** Registers gauge {@code name} reading {@code value} at scrape time. */
  void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(metrics.registry());
  }
}
