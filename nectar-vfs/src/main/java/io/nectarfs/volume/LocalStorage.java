package io.nectarfs.volume;

import io.nectarfs.common.Url;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether a volume's object storage is a directory on the same file system as its disk cache
 * ({@code file://} storage next to the cache, the embedded default). Then a block read from the
 * store is read from that disk already, and writing a cached copy of it doubles the disk's work
 * for no later gain, so reads do not fill the disk cache ({@link
 * io.nectarfs.chunk.ChunkConfig#cacheOnRead()}); warm-up still does.
 */
final class LocalStorage {
  private LocalStorage() {}

  /**
   * True when {@code storageUrl} is a {@code file://} URL and every cache directory lies on the
   * file system holding it (directories not created yet count by their nearest existing parent).
   * False for any other store, no cache directories, or when a file system cannot be told.
   */
  static boolean sharesDeviceWithCache(String storageUrl, List<Path> cacheDirs) {
    if (cacheDirs.isEmpty() || !storageUrl.regionMatches(true, 0, "file://", 0, 7)) {
      return false;
    }
    try {
      Url u = Url.parsePath(storageUrl, "storage URL", "file:///absolute/path");
      FileStore data = fileStoreOf(Path.of(u.path()));
      for (Path d : cacheDirs) {
        if (!data.equals(fileStoreOf(d))) {
          return false;
        }
      }
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static FileStore fileStoreOf(Path p) throws IOException {
    Path at = p.toAbsolutePath().normalize();
    while (at != null && !Files.exists(at)) {
      at = at.getParent();
    }
    if (at == null) {
      throw new IOException("no existing parent of " + p);
    }
    return Files.getFileStore(at);
  }
}
