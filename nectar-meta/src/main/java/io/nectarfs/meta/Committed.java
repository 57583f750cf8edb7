package io.nectarfs.meta;

/**
 * What a slice commit ({@link Meta#write}, {@link Meta#writeSlices}, {@link Meta#writeInline})
 * left, as of its transaction: the slice records of the chunk it wrote (a writer can tell a chunk
 * that needs compaction without reading it) and the file's length (with the mtime it passed, the
 * version of the file the writer's own cache holds).
 *
 * @param slices slice records in the chunk after the commit
 * @param length the file's length after the commit
 */
public record Committed(int slices, long length) {
  /** {@link Meta#writeInline}'s answer when the slice would not fit inline: nothing changed. */
  public static final Committed NOT_INLINED = new Committed(-1, -1);

  /** False for {@link #NOT_INLINED}. */
  public boolean done() {
    return slices >= 0;
  }
}
