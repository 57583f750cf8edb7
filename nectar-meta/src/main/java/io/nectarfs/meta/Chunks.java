package io.nectarfs.meta;

import java.util.ArrayList;
import java.util.List;

/** Chunk geometry and the resolution of a chunk's slice list into visible pieces. */
public final class Chunks {
  /** Every file is cut into chunks of 64 MiB. */
  public static final int CHUNK_BITS = 26;
  public static final int CHUNK_SIZE = 1 << CHUNK_BITS;

  private Chunks() {}

  public static long index(long offset) {
    return offset >>> CHUNK_BITS;
  }

  /**
   * Resolves a chunk's slices (write order, later wins) into the non-overlapping pieces that are
   * visible, in position order, with holes as {@code id == 0} pieces. The result covers
   * {@code [0, end)} where {@code end} is the furthest byte any slice reaches.
   */
  public static List<Slice> resolve(List<Slice> slices) {
    // Intervals as parallel lists; each new slice overwrites what lies beneath it.
    List<Slice> out = new ArrayList<>();
    for (Slice s : slices) {
      if (s.len() == 0) {
        continue;
      }
      List<Slice> next = new ArrayList<>(out.size() + 2);
      int sStart = s.pos();
      int sEnd = s.pos() + s.len();
      boolean placed = false;
      for (Slice o : out) {
        int oStart = o.pos();
        int oEnd = o.pos() + o.len();
        if (oEnd <= sStart || oStart >= sEnd) {
          if (!placed && oStart >= sEnd) {
            next.add(s);
            placed = true;
          }
          next.add(o);
          continue;
        }
        if (oStart < sStart) {
          next.add(new Slice(oStart, o.id(), o.size(), o.off(), sStart - oStart));
        }
        if (!placed) {
          next.add(s);
          placed = true;
        }
        if (oEnd > sEnd) {
          next.add(new Slice(sEnd, o.id(), o.size(), o.off() + (sEnd - oStart), oEnd - sEnd));
        }
      }
      if (!placed) {
        next.add(s);
      }
      out = next;
    }
    // Fill gaps with holes so the pieces are contiguous from 0.
    List<Slice> filled = new ArrayList<>(out.size() * 2);
    int at = 0;
    for (Slice o : out) {
      if (o.pos() > at) {
        filled.add(Slice.hole(at, o.pos() - at));
      }
      filled.add(o);
      at = o.pos() + o.len();
    }
    return filled;
  }
}
