package io.nectarfs.chunk;

import io.nectarfs.common.Ctx;
import java.io.IOException;
import java.time.Duration;

/**
 * A place the chunk store asks for a block before the object store: in a cache group, the member
 * that owns the block. Given to {@link ChunkStores#open(io.nectarfs.object.ObjectStore, ChunkConfig,
 * io.nectarfs.common.Clock, io.nectarfs.common.Metrics, BlockSource)}; the chunk store asks it after
 * its own caches (memory, writeback staging, disk) and before the object store.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>{@link #fetch} returns exactly bytes {@code [off, off + len)} of the block, as the object
 *       store would serve them after its decorators (decrypted, decompressed, checked), or null when
 *       it does not have them (the chunk store then reads the object store). A whole block is asked
 *       for as {@code off} 0, {@code len} {@code blockLen}.
 *   <li>Any failure only means "read the object store instead": an {@link IOException} (or a
 *       runtime exception) from {@link #fetch} and an answer of the wrong length are counted
 *       ({@code nectar_chunk_peer_fallbacks_total{reason}}), logged rarely, and never reach a
 *       reader. The source need not retry; it should fail fast (mark a peer suspect, ask it again
 *       later) rather than make readers wait.
 *   <li>Time: the chunk store calls {@link #fetch} with a {@link Ctx} whose deadline is at most
 *       {@link #timeout()} away (earlier when the reader's own deadline is); past it the source
 *       fails with {@link io.nectarfs.common.Errno#ETIMEDOUT} (as {@link Ctx#checkCancelled()}
 *       does) or a {@link java.net.SocketTimeoutException}, and the read falls back. A fetch shared
 *       by several readers (a whole block) runs under a context none of them can cancel; a ranged
 *       fetch runs under its reader's, and when that reader is cancelled the source's EINTR or
 *       ETIMEDOUT reaches the reader as a cancellation, not a fallback. An {@link
 *       java.io.InterruptedIOException} other than a socket timeout means the thread was
 *       interrupted and is passed on.
 *   <li>Blocks are immutable, so the source may answer from any copy of the block with this key.
 *       A block it answered with goes to the reader's memory cache only: the owner keeps it on disk.
 *   <li>Thread-safe: called concurrently from readers, read-ahead and warm-up threads; concurrent
 *       readers of one whole block make one call. It must not call back into the chunk store that
 *       asks it for the same block.
 *   <li>It may answer null until it is ready (membership not known yet, no other member).
 * </ul>
 */
public interface BlockSource {
  /**
   * Bytes {@code [off, off + len)} of the block {@code key} (a {@link BlockKeys#key block key})
   * whose full length is {@code blockLen}, or null to let the chunk store read the object store.
   *
   * @throws IOException on any failure (the chunk store falls back to the object store)
   */
  byte[] fetch(Ctx ctx, String key, int blockLen, int off, int len) throws IOException;

  /** How long the chunk store lets one {@link #fetch} take before falling back (2 seconds unless overridden). */
  default Duration timeout() {
    return Duration.ofSeconds(2);
  }
}
