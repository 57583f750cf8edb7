package io.nectarfs.vfs;

import io.nectarfs.common.OpenFlags;
import java.util.ArrayList;
import java.util.List;

/** What a file handle refers to. */
sealed interface Handle {
  long ino();

  /** An open regular file (or other non-directory); tracks the sequential-read state. */
  final class File implements Handle {
    final long ino;
    final int flags;
    /** Whether the kernel's cached pages of the file were still valid when this handle opened. */
    boolean keepCache;
    /** Where the last read ended and the current read-ahead window (guarded by {@code this}). */
    long lastReadEnd = -1;
    long window;
    long prefetchedTo;

    File(long ino, int flags) {
      this.ino = ino;
      this.flags = flags;
    }

    @Override
    public long ino() {
      return ino;
    }

    boolean readable() {
      return OpenFlags.readable(flags);
    }

    boolean writable() {
      return OpenFlags.writable(flags);
    }

    boolean append() {
      return OpenFlags.has(flags, OpenFlags.O_APPEND);
    }
  }

  /** An open directory: a listing snapshot filled page by page, so offsets stay valid. */
  final class Dir implements Handle {
    final long ino;
    final List<Vfs.DirEntryAt> entries = new ArrayList<>();
    boolean complete;
    String lastName = "";

    Dir(long ino) {
      this.ino = ino;
    }

    @Override
    public long ino() {
      return ino;
    }
  }

  /** An open internal file: its content as of the open. */
  record Internal(long ino, byte[] content) implements Handle {}
}
