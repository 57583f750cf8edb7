package io.nectarfs.meta;

/**
 * A piece of a chunk: bytes {@code [off, off+len)} of the stored slice {@code id} (whose full
 * length is {@code size}) appear at position {@code pos} of the chunk. {@code id == 0} is a hole
 * (zeros). A chunk is the list of its slices in write order; later ones win where they overlap.
 */
public record Slice(int pos, long id, int size, int off, int len) {
  /** Bytes of one encoded slice record. */
  public static final int ENCODED = 24;

  /**
   * The id bit of an inline slice: its stored bytes (as the object store stack would store them:
   * compressed, encrypted, with checksums, as the volume says) live in the metadata under the
   * slice id, not in the object store. Slice ids come from a counter that never reaches it.
   */
  public static final long INLINE = 1L << 62;

  public Slice {
    if (pos < 0 || size < 0 || off < 0 || len < 0 || (long) off + len > size || (long) pos + len > Chunks.CHUNK_SIZE) {
      throw new IllegalArgumentException("invalid slice " + pos + "/" + id + "/" + size + "/" + off + "/" + len);
    }
  }

  /** Whether slice id {@code id} is inline (see {@link #INLINE}). */
  public static boolean isInline(long id) {
    return (id & INLINE) != 0;
  }

  /** Whether this record shows an inline slice. */
  public boolean inline() {
    return isInline(id);
  }

  /** A hole of {@code len} bytes at {@code pos}. */
  public static Slice hole(int pos, int len) {
    return new Slice(pos, 0, len, 0, len);
  }
}
