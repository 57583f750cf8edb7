package io.nectarfs.vfs;

import java.util.List;
import java.util.Objects;

/**
 * The open handles of a {@link Vfs}, as a predecessor hands them to a successor in a takeover of
 * the mount ({@link Vfs#exportHandles}, {@link Vfs#importHandles}): what the kernel holds by handle
 * number ({@code fh}) and the successor must answer for.
 *
 * <p>Contract: a table is taken only after every writer's data was committed and made durable, so
 * no handle carries unwritten data; what hangs on the metadata session (open-but-unlinked files,
 * removed open directories, POSIX and flock locks, which the metadata keys by session and lock
 * owner) travels with {@link #sessionId}, which the successor resumes. Inode numbers are the
 * metadata's (under any subdir or identity mapping the front end applies). Pure data: encoding it
 * is the front end's business (the FUSE handover state).
 *
 * @param sessionId the metadata session that holds the opens and locks
 * @param nextFh the next handle number the predecessor would have given: the successor gives none
 *     below it
 * @param handles every open handle
 */
public record HandleTable(long sessionId, long nextFh, List<Open> handles) {
  public HandleTable {
    handles = List.copyOf(handles);
    for (Open o : handles) {
      if (o.fh() <= 0 || o.fh() >= nextFh) {
        throw new IllegalArgumentException("handle " + o.fh() + " outside 1.." + (nextFh - 1));
      }
    }
  }

  /** One open handle. */
  public sealed interface Open {
    long fh();
  }

  /**
   * An open regular file (or other non-directory).
   *
   * @param flags the open(2) flags it was opened with (access mode, O_APPEND, O_SYNC...)
   */
  public record File(long fh, long ino, int flags) implements Open {}

  /**
   * An open directory with the listing it has served: the kernel resumes at a cookie that is an
   * index into {@code entries} (". " and ".." first), so the successor continues the same listing.
   *
   * @param entries the listing snapshot so far (cookie of entry i is i + 1)
   * @param complete whether the snapshot holds the whole directory
   * @param lastName the name after which the next page of the metadata listing starts
   */
  public record Dir(long fh, long ino, List<Entry> entries, boolean complete, String lastName) implements Open {
    public Dir {
      entries = List.copyOf(entries);
      Objects.requireNonNull(lastName, "lastName");
    }
  }

  /** One name of a directory listing snapshot ({@code dtype} as in readdir). */
  public record Entry(String name, long ino, int dtype) {}

  /** An open internal read-only file ({@code /.stats}, {@code /.config}) with the content it opened with. */
  public record Internal(long fh, long ino, byte[] content) implements Open {}

  /**
   * An open {@code /.control}: the request bytes written so far, the last answer and where the
   * request that produced it ended.
   */
  public record Control(long fh, byte[] request, byte[] answer, long answerBase) implements Open {}
}
