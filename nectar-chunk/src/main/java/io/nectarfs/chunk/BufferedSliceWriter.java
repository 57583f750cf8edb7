package io.nectarfs.chunk;

import io.nectarfs.common.Ctx;
import io.nectarfs.object.Buffers;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SliceWriter} of {@link CachedChunkStore}: blocks are buffered in pages of {@link
 * #PAGE_SIZE} (taken as writes touch them, so a small slice holds only the pages it uses), each
 * page's bytes granted by the store's {@link MemoryBudget} (blocking while it is exhausted) and the
 * page itself taken from the store's {@link PagePool} (off the heap, reused). A block is uploaded
 * as views of its pages (the gather put: no joined copy) and its pages go back to the pool when
 * the upload ends. As soon
 * as a write ends beyond a block, that block is handed to the upload executor and its pages are
 * released when the upload ends; {@link #finish} hands over the rest but the last block, uploads
 * that one on its own thread (the flush waits for it anyway: no hand-off to a pool thread and back
 * for a small file) and waits. {@link #startFinish} hands over every block, the last included, and
 * returns at once (a flush of many slices starts all of them, then waits for each).
 *
 * <p>Concurrency: the public methods are called by one thread at a time (the file writer's). A
 * block handed to an upload task is no longer referenced by the writer ({@code blocks[i] = null}
 * before submission), so the task owns it exclusively. The tasks share with the writer only {@code
 * failure} (first error wins, volatile), {@code uploaded} (a concurrent set) and {@code aborted}.
 * Invariants: {@code boundary} is a multiple of the block size and every block below it has been
 * submitted; every page in {@code blocks} holds budget that is released, and is given back to the pool,
 * exactly once (by its upload task, by {@link #finish} when it lies beyond the final length, or by
 * {@link #abort}); a page is given back only after the store returned from its put.
 */
final class BufferedSliceWriter implements SliceWriter {
  private static final Logger log = LoggerFactory.getLogger(BufferedSliceWriter.class);
  static final int PAGE_SIZE = 64 << 10;
  static final int MAX_SLICE = 64 << 20;

  /** Zeros for the pages of a block that were never written (read-only, shared). */
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(PAGE_SIZE).asReadOnlyBuffer();

  /**
   * One block being written: its pages, taken from the pool lazily. A pooled page holds old bytes,
   * so {@code clean[p]} tracks how much of page {@code p} is valid: bytes below it were written or
   * zeroed; a write that starts beyond it zeroes the gap first, and {@link #parts} zeroes the tail
   * up to the block's length. A page written from its start to its end is never zeroed.
   */
  private static final class Block {
    final PagePool.Page[] pages;
    final int[] clean;
    long held;

    Block(int pages) {
      this.pages = new PagePool.Page[pages];
      this.clean = new int[pages];
    }

    /** Copies {@code k} bytes of {@code data} to page {@code pi} at {@code poff}, zeroing any gap before them. */
    void write(int pi, int poff, ByteBuffer data, int k) {
      PagePool.Page p = pages[pi];
      if (poff > clean[pi]) {
        p.seg().asSlice(clean[pi], poff - clean[pi]).fill((byte) 0);
      }
      p.buf().put(poff, data, data.position(), k);
      data.position(data.position() + k);
      clean[pi] = Math.max(clean[pi], poff + k);
    }

    /** The first {@code len} bytes of the block as views of its pages (zeros where nothing was written). */
    List<ByteBuffer> parts(int len, int pageSize) {
      List<ByteBuffer> out = new ArrayList<>(pages.length);
      for (int p = 0; p < pages.length && p * pageSize < len; p++) {
        int n = Math.min(pageSize, len - p * pageSize);
        if (pages[p] == null) {
          out.add(ZEROS.slice(0, n));
        } else {
          if (clean[p] < n) {
            pages[p].seg().asSlice(clean[p], n - clean[p]).fill((byte) 0);
            clean[p] = n;
          }
          out.add(pages[p].buf().slice(0, n));
        }
      }
      return out;
    }

    /** The first {@code len} bytes of the block in one array (a copy). */
    byte[] toBytes(int len, int pageSize) {
      return Buffers.join(parts(len, pageSize));
    }

    /** Gives every page back to {@code pool}. */
    void free(PagePool pool) {
      for (int p = 0; p < pages.length; p++) {
        if (pages[p] != null) {
          pool.give(pages[p]);
          pages[p] = null;
        }
      }
    }
  }

  private final CachedChunkStore cs;
  private final long id;
  private final int bs;
  private final int pageSize;
  private final Block[] blocks;
  private final List<CompletableFuture<Void>> uploads = new ArrayList<>();
  private final Set<String> uploaded = ConcurrentHashMap.newKeySet();
  private volatile IOException failure;
  private volatile boolean aborted;
  private boolean finished;
  /** {@link #startFinish} ran: every block is submitted, {@link #finish} only waits. */
  private boolean started;
  private int length;
  private int boundary;

  BufferedSliceWriter(CachedChunkStore cs, long id) {
    this.cs = cs;
    this.id = id;
    this.bs = cs.blockSize();
    this.pageSize = Math.min(PAGE_SIZE, bs);
    this.blocks = new Block[MAX_SLICE / bs];
  }

  private int pagesPerBlock() {
    return (bs + pageSize - 1) / pageSize;
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public int uploadedBoundary() {
    return boundary;
  }

  private void checkUsable() throws IOException {
    if (aborted) {
      throw new IllegalStateException("slice " + id + " was aborted");
    }
    if (finished) {
      throw new IllegalStateException("slice " + id + " is finished");
    }
    IOException f = failure;
    if (f != null) {
      throw new IOException("upload of slice " + id + " failed: " + f.getMessage(), f);
    }
  }

  @Override
  public void write(int off, ByteBuffer data) throws IOException {
    write(off, data, Ctx.ROOT);
  }

  @Override
  public void write(int off, ByteBuffer data, Ctx ctx) throws IOException {
    checkUsable();
    if (off < boundary) {
      throw new IllegalStateException("slice " + id + ": offset " + off + " is below the uploaded boundary " + boundary);
    }
    if (off < 0 || (long) off + data.remaining() > MAX_SLICE) {
      throw new IllegalArgumentException("slice " + id + ": write [" + off + ", +" + data.remaining() + ") outside 64 MiB");
    }
    int pos = off;
    while (data.hasRemaining()) {
      int bi = pos / bs;
      int boff = pos - bi * bs;
      Block b = blocks[bi];
      if (b == null) {
        b = blocks[bi] = new Block(pagesPerBlock());
      }
      int pi = boff / pageSize;
      int poff = boff - pi * pageSize;
      if (b.pages[pi] == null) {
        cs.budget().acquire(pageSize, ctx); // EINTR here leaves length as it was
        b.pages[pi] = cs.pages().take();
        b.held += pageSize;
      }
      int k = Math.min(pageSize - poff, data.remaining());
      b.write(pi, poff, data, k);
      pos += k;
    }
    length = Math.max(length, pos);
    flushTo(length);
  }

  @Override
  public void flushTo(int off) throws IOException {
    checkUsable();
    int full = Math.min(off, length) / bs;
    for (int bi = boundary / bs; bi < full; bi++) {
      submit(bi, bs);
    }
    boundary = Math.max(boundary, full * bs);
  }

  /** A block taken from the writer: the task that uploads it and the budget it holds. */
  private record Upload(Runnable task, Block block, long held) {}

  private void submit(int bi, int blen) {
    Upload u = take(bi, blen);
    try {
      uploads.add(CompletableFuture.runAsync(u.task(), cs.uploadExecutor()));
    } catch (RejectedExecutionException e) {
      cancelled(u);
    }
  }

  /**
   * Uploads block {@code bi} on the calling thread: the last block of {@link #finish}, which the
   * flush waits for anyway, so a small file's flush costs no hand-off to an upload thread and back.
   */
  private void uploadHere(int bi, int blen) {
    Upload u = take(bi, blen);
    if (cs.isClosed()) {
      cancelled(u);
      return;
    }
    u.task().run();
  }

  /** The store is closed: the task will never run, so its budget is released here. */
  private void cancelled(Upload u) {
    u.block().free(cs.pages());
    cs.budget().release(u.held(), u.held());
    fail(new IOException("chunk store is closed"));
  }

  /** Takes block {@code bi} away from the writer: the task uploads it and releases its budget. */
  private Upload take(int bi, int blen) {
    Block b = blocks[bi] == null ? new Block(pagesPerBlock()) : blocks[bi]; // a hole: zeros
    blocks[bi] = null;
    long held = b.held;
    cs.budget().markReleasable(held);
    String key = BlockKeys.key(id, bi, blen);
    return new Upload(() -> {
      try {
        if (aborted || failure != null) {
          return;
        }
        cs.storeBlock(key, b.parts(blen, pageSize));
        uploaded.add(key);
      } catch (IOException e) {
        fail(e);
      } catch (RuntimeException | Error e) {
        fail(new IOException(e.toString(), e));
      } finally {
        b.free(cs.pages());
        cs.budget().release(held, held);
      }
    }, b, held);
  }

  private synchronized void fail(IOException e) {
    if (failure == null) {
      failure = e;
    }
  }

  @Override
  public byte[] unstoredBytes(int len) throws IOException {
    checkUsable();
    if (boundary != 0 || len < 0 || len > bs || !uploads.isEmpty()) {
      return null;
    }
    Block b = blocks[0];
    return b == null ? new byte[len] : b.toBytes(len, pageSize);
  }

  @Override
  public void startFinish(int len) throws IOException {
    checkUsable();
    checkFinalLength(len);
    finished = true;
    started = true;
    int n = BlockKeys.blocks(len, bs);
    for (int bi = boundary / bs; bi < n; bi++) {
      submit(bi, BlockKeys.blockLength(len, bs, bi));
    }
    boundary = len;
    releaseUnsubmitted();
  }

  @Override
  public void finish(int len) throws IOException {
    if (started && !aborted) {
      if (len != boundary) {
        throw new IllegalArgumentException("slice " + id + ": finished with " + len + " bytes, started with " + boundary);
      }
      started = false;
    } else {
      checkUsable();
      checkFinalLength(len);
      finished = true;
      int n = BlockKeys.blocks(len, bs);
      int first = boundary / bs;
      for (int bi = first; bi < n - 1; bi++) {
        submit(bi, BlockKeys.blockLength(len, bs, bi));
      }
      if (first < n) {
        uploadHere(n - 1, BlockKeys.blockLength(len, bs, n - 1)); // while the pool uploads the others
      }
      boundary = len;
      releaseUnsubmitted();
    }
    awaitUploads();
    IOException f = failure;
    if (f != null) {
      throw new IOException("upload of slice " + id + " failed: " + f.getMessage(), f);
    }
  }

  private void checkFinalLength(int len) {
    if (len < boundary || len > MAX_SLICE) {
      throw new IllegalArgumentException("slice " + id + ": final length " + len + " outside [" + boundary + ", 64 MiB]");
    }
  }

  private void releaseUnsubmitted() {
    for (int i = 0; i < blocks.length; i++) {
      if (blocks[i] != null) {
        blocks[i].free(cs.pages());
        cs.budget().release(blocks[i].held, 0);
        blocks[i] = null;
      }
    }
  }

  private void awaitUploads() throws IOException {
    for (CompletableFuture<Void> f : uploads) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted waiting for the upload of slice " + id);
      } catch (ExecutionException e) {
        fail(new IOException(e.getCause()));
      }
    }
  }

  @Override
  public void abort() {
    if (aborted) {
      return;
    }
    aborted = true;
    releaseUnsubmitted();
    try {
      awaitUploads();
    } catch (IOException e) {
      log.warn("abort of slice {}: {}", id, e.toString());
    }
    for (String key : uploaded) {
      try {
        cs.deleteBlock(key);
      } catch (IOException e) {
        log.warn("abort of slice {}: cannot delete block {}: {}", id, key, e.toString());
      }
    }
  }
}
