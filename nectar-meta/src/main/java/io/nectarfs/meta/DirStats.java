package io.nectarfs.meta;

/**
 * The statistics of a directory tree.
 *
 * @param space bytes used below the directory (as {@link Quota#usedSpace})
 * @param inodes inodes below it
 * @param dirs directories below it
 */
public record DirStats(long space, long inodes, long dirs) {
  /** Files (everything below that is not a directory). */
  public long files() {
    return inodes - dirs;
  }
}
