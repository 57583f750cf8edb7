package io.nectarfs.vfs;

import java.io.IOException;
import java.util.Set;

/**
 * A VFS that wraps another (access logging, a subdirectory view, a uid/gid mapping) and passes the
 * takeover and crash-recovery calls to it unchanged: handles keep the wrapped VFS's numbers and
 * inodes, so there is nothing to translate. Implementations name the VFS they wrap.
 */
public interface HandoverForwarding extends Vfs {
  /** The wrapped VFS, which owns the handles. */
  Vfs handoverTarget();

  @Override
  default void commitPending() throws IOException {
    handoverTarget().commitPending();
  }

  @Override
  default HandleTable exportHandles() throws IOException {
    return handoverTarget().exportHandles();
  }

  @Override
  default HandleTable exportHandles(boolean durable) throws IOException {
    return handoverTarget().exportHandles(durable);
  }

  @Override
  default void importHandles(HandleTable table) throws IOException {
    handoverTarget().importHandles(table);
  }

  @Override
  default void setHandleEvents(HandleEvents events) {
    handoverTarget().setHandleEvents(events);
  }

  @Override
  default void markLostWrites(Set<Long> inodes) {
    handoverTarget().markLostWrites(inodes);
  }

  @Override
  default boolean replayedWrite(long request, int size) {
    return handoverTarget().replayedWrite(request, size);
  }

  @Override
  default Replayed useJournal(java.nio.channels.FileChannel file, long size, boolean recover, Punch punch) throws IOException {
    return handoverTarget().useJournal(file, size, recover, punch);
  }
}
