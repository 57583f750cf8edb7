package io.nectarfs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The fuse module parameter {@code enable_uring} for tests: {@link #set} turns it on or off when
 * this kernel has it and it is writable (root), or skips the test with the reason (with {@code
 * CI=true} it fails instead: CI runs as root on a kernel that has it). {@link #restore} puts the
 * value found back. The kernel reads it only at INIT and ring registration.
 */
final class IoUringParam {
  private static final Path PARAM = Path.of(UringTransport.PARAM);
  private static String before;

  private IoUringParam() {}

  static synchronized void set(boolean on) throws IOException {
    if (!Files.exists(PARAM) || !Files.isWritable(PARAM)) {
      String msg = PARAM + " is missing or not writable: FUSE-over-io_uring needs Linux 6.14+ (CONFIG_FUSE_IO_URING) and root";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError("CI=true and " + msg);
      }
      Assumptions.abort(msg);
    }
    if (before == null) {
      before = Files.readString(PARAM).strip();
    }
    Files.writeString(PARAM, on ? "Y" : "N");
  }

  static synchronized void restore() throws IOException {
    if (before != null) {
      Files.writeString(PARAM, before);
      before = null;
    }
  }
}
