package io.nectarfs.vfs;

import io.nectarfs.object.CorruptObjectException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a block that cannot be read (missing from the object store, corrupt, or unreadable) once:
 * one warning naming the object key and the file's inode, not one per read. The "already
 * logged" set keeps the {@value #MAX} most recently logged blocks, so memory stays bounded; a
 * block that fell out of it may be logged again.
 *
 * <p>The line holds the object key, the inode and the failure's message; object store messages
 * name the key and a redacted endpoint, never credentials.
 *
 * <p>Concurrency: the set is guarded by this object's monitor; logging happens outside it.
 */
final class BadBlocks {
  private static final Logger log = LoggerFactory.getLogger(BadBlocks.class);
  static final int MAX = 4096;

  private final Map<String, Boolean> logged = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > MAX;
    }
  };

  /** Records that reading slice {@code sliceId} of inode {@code ino} failed with {@code e}. */
  void failed(long ino, long sliceId, IOException e) {
    String key = null;
    String what = "unreadable";
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CorruptObjectException c) {
        key = c.key();
        what = "corrupt";
        break;
      }
      if (t instanceof NoSuchFileException n) {
        key = n.getFile();
        what = "missing from the object store";
        break;
      }
    }
    String id = key != null ? key : "slice " + sliceId;
    synchronized (this) {
      if (logged.put(id, Boolean.TRUE) != null) {
        return;
      }
    }
    log.warn("block {} of inode {} is {}; reads of it fail with EIO (logged once per block): {}", id, ino, what,
        oneLine(e.getMessage()));
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s+", " ");
  }
}
