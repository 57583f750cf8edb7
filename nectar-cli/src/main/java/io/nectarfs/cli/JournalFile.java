package io.nectarfs.cli;

import io.nectarfs.fuse.linux.FdPassing;
import io.nectarfs.fuse.linux.MemFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The file of a kept mount's write journal ({@link io.nectarfs.vfs.Vfs#useJournal}): a memfd,
 * this process's descriptor of it (the one sent to the keeper) and a channel on it. The keeper
 * holds a duplicate, so what the worker wrote outlives the worker.
 */
final class JournalFile implements AutoCloseable {
  final int fd;
  final FileChannel channel;

  private JournalFile(int fd, FileChannel channel) {
    this.fd = fd;
    this.channel = channel;
  }

  /** A new, empty memfd. */
  static JournalFile create() throws IOException {
    return of(MemFiles.create("nectar-write-journal"));
  }

  /** The journal file behind descriptor {@code fd} (received from the keeper); owns it from now on. */
  static JournalFile of(int fd) throws IOException {
    try {
      return new JournalFile(fd, FileChannel.open(Path.of("/proc/self/fd/" + fd), StandardOpenOption.READ, StandardOpenOption.WRITE));
    } catch (IOException | RuntimeException e) {
      FdPassing.closeQuietly(fd);
      throw e;
    }
  }

  void punch(long offset, long length) throws IOException {
    MemFiles.punch(fd, offset, length);
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing to flush: a memfd
    }
    FdPassing.closeQuietly(fd);
  }
}
