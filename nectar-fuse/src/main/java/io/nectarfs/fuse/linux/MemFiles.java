package io.nectarfs.fuse.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Files in memory (memfd): the write journal of a kept mount lives in one, which the mount's
 * keeper holds a descriptor of, so its content outlives the worker that writes it.
 */
public final class MemFiles {
  private static final int MFD_CLOEXEC = 1;
  private static final int FALLOC_FL_KEEP_SIZE = 1;
  private static final int FALLOC_FL_PUNCH_HOLE = 2;

  private MemFiles() {}

  /** A new, empty memfd named {@code name} (close-on-exec; descriptors sent over a socket stay usable). */
  public static int create(String name) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      return (int) LibC.check(LibC.memfdCreate(box, a.allocateFrom(name), MFD_CLOEXEC), box, "memfd_create");
    }
  }

  /** Releases the memory of {@code length} bytes at {@code offset} of memfd {@code fd}; they read as zeros. */
  public static void punch(int fd, long offset, long length) throws NativeException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment box = LibC.newErrnoBox(a);
      LibC.check(LibC.fallocate(box, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length), box, "fallocate");
    }
  }
}
