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
    /** Set by crash recovery: writes acknowledged before the crash were lost; the next flush or fsync fails with EIO. */
    volatile boolean lostWrites;
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

  /**
   * An open {@code /.control}: the request bytes written so far and the answer to the last
   * complete request. Guarded by {@code this} (a tool may write from several threads).
   */
  final class Control implements Handle {
    final java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
    byte[] answer = new byte[0];
    /** The file offset where the last complete request ended: a sequential reader's answer starts there. */
    long answerBase;

    /** The answer's index for a read at file offset {@code off}: from 0, or from where the request ended. */
    long answerIndex(long off) {
      return off >= answerBase ? off - answerBase : off;
    }

    @Override
    public long ino() {
      return io.nectarfs.vfs.Internal.CONTROL;
    }
  }
}
