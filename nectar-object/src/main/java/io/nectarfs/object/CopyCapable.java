package io.nectarfs.object;

import java.io.IOException;
import java.nio.file.NoSuchFileException;

/** A store that copies objects without moving their bytes through the client. */
public interface CopyCapable {
  /**
   * Copies {@code src} to {@code dst} atomically (dst is replaced as by {@link ObjectStore#put}).
   *
   * @throws NoSuchFileException if {@code src} does not exist
   */
  void copy(String src, String dst) throws IOException;
}
