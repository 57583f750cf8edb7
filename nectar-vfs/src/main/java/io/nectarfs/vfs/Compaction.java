package io.nectarfs.vfs;

import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.chunk.SliceWriter;
import io.nectarfs.common.Ctx;
import io.nectarfs.meta.Chunks;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.Slice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Rewriting a fragmented chunk's visible bytes as one new slice, committed only if the chunk did
 * not change meanwhile ({@link Meta#compact}); otherwise the new slice's objects are removed and
 * nothing changes. Used by the background {@link Compactor} of a mount and by {@code nectar
 * compact}. Objects of the replaced slices are freed by the metadata's deferred deletion.
 * Stateless: safe from any number of threads.
 */
public final class Compaction {
  private Compaction() {}

  /** What compacting one file did: chunks rewritten, and slices in those chunks before and after. */
  public record FileResult(int chunks, long slicesBefore, long slicesAfter) {}

  /**
   * Compacts every chunk of file {@code ino} that has at least {@code minSlices} slices (at least
   * 2). A chunk that changes while it is rewritten is left as it is (counted before and after).
   */
  public static FileResult file(Meta meta, ChunkStore chunks, long ino, int minSlices) throws IOException {
    long length = meta.getattr(Ctx.ROOT, ino).length();
    int n = 0;
    long before = 0;
    long after = 0;
    for (int index = 0; (long) index * Chunks.CHUNK_SIZE < length; index++) {
      int count = meta.read(Ctx.ROOT, ino, index).size();
      if (count < Math.max(2, minSlices)) {
        continue;
      }
      before += count;
      if (chunk(meta, chunks, ino, index, Math.max(2, minSlices))) {
        n++;
      }
      after += meta.read(Ctx.ROOT, ino, index).size();
    }
    return new FileResult(n, before, after);
  }

  /** Compacts chunk {@code index} of {@code ino} now if it has at least {@code threshold} slices; returns whether it did. */
  static boolean chunk(Meta meta, ChunkStore chunks, long ino, int index, int threshold) throws IOException {
    List<Slice> slices = meta.read(Ctx.ROOT, ino, index);
    if (slices.size() < threshold) {
      return false;
    }
    List<Slice> visible = Chunks.resolve(slices);
    if (visible.isEmpty()) {
      return false;
    }
    Slice last = visible.getLast();
    int len = last.pos() + last.len();
    long id = meta.newSliceId();
    SliceWriter w = chunks.newWriter(id);
    try {
      ByteBuffer buf = ByteBuffer.allocate(1 << 20);
      for (Slice p : visible) {
        int done = 0;
        while (done < p.len()) {
          int n = Math.min(buf.capacity(), p.len() - done);
          buf.clear().limit(n);
          if (p.id() == 0) {
            java.util.Arrays.fill(buf.array(), 0, n, (byte) 0);
            buf.position(n);
          } else {
            int got = chunks.read(p.id(), p.size(), p.off() + done, buf);
            if (got != n) {
              throw new IOException("short read of slice " + p.id());
            }
          }
          buf.flip();
          w.write(p.pos() + done, buf);
          done += n;
        }
      }
      w.finish(len);
    } catch (IOException | RuntimeException e) {
      w.abort();
      throw e;
    }
    boolean ok = meta.compact(Ctx.ROOT, ino, index, slices, new Slice(0, id, len, 0, len));
    if (!ok) {
      chunks.remove(id, len);
    }
    return ok;
  }
}
