package io.nectarfs.csi;

import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * {@code statvfs(3)} of a path (Linux, 64-bit glibc layout): what {@code df} shows, so on a bind of
 * a NectarFS subdirectory with a quota, the quota's size and usage (the mount answers statfs of a
 * quota directory with the quota).
 */
@SuppressWarnings("restricted") // one libc call; the launcher runs with --enable-native-access
record StatVfs(long blockSize, long blocks, long blocksFree, long blocksAvailable, long files, long filesFree) {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout ERRNO = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO_VALUE = ERRNO.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle STATVFS = LINKER.downcallHandle(
      LINKER.defaultLookup().find("statvfs").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
      Linker.Option.captureCallState("errno"));
  /** sizeof(struct statvfs) on x86_64/aarch64 glibc: 11 unsigned longs and 6 spare ints. */
  private static final long SIZE = 112;

  long totalBytes() {
    return blocks * blockSize;
  }

  long availableBytes() {
    return blocksAvailable * blockSize;
  }

  long usedBytes() {
    return (blocks - blocksFree) * blockSize;
  }

  static StatVfs of(Path path) throws FsException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment state = a.allocate(ERRNO);
      MemorySegment buf = a.allocate(SIZE, 8);
      int rc = (int) STATVFS.invokeExact(state, a.allocateFrom(path.toString()), buf);
      if (rc != 0) {
        int errno = (int) ERRNO_VALUE.get(state, 0L);
        throw Errno.ofCode(errno).exception("statvfs " + path);
      }
      long frsize = buf.get(ValueLayout.JAVA_LONG, 8);
      return new StatVfs(frsize == 0 ? buf.get(ValueLayout.JAVA_LONG, 0) : frsize, buf.get(ValueLayout.JAVA_LONG, 16),
          buf.get(ValueLayout.JAVA_LONG, 24), buf.get(ValueLayout.JAVA_LONG, 32), buf.get(ValueLayout.JAVA_LONG, 40),
          buf.get(ValueLayout.JAVA_LONG, 48));
    } catch (FsException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("statvfs " + path, t);
    }
  }
}
