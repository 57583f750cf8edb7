package io.nectarfs.chunk;

import io.micrometer.core.instrument.Counter;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving side of a {@link CachedChunkStore} in a cache group ({@link ChunkStore#readBlock},
 * {@link ChunkStore#hasBlock}, {@link ChunkStore#warmBlock}): this member owns the blocks it is
 * asked for, answers from its caches, and fetches a missing block from the object store (through
 * the store's single flight, never from the {@link BlockSource}) into its disk cache, unless the
 * disk cache takes no new blocks: then it answers only what it has.
 *
 * <p>Keys are checked first: only the canonical key of a block ({@link BlockKeys#key}) of at most
 * the volume's block size, with the length the key names, passes; everything else is EINVAL, so a
 * peer cannot read other objects through a member (the format object, a prefix outside {@code
 * chunks/}, a path with {@code ..}).
 *
 * <p>Concurrency: thread-safe and stateless except {@code refusing}, which marks an episode of
 * refusals so that it is logged once when it starts and once when it ends.
 */
final class Serving {
  private static final Logger log = LoggerFactory.getLogger(Serving.class);
  private static final int KEY_IN_ERRORS = 120; // characters of a refused key quoted in the error

  private final CachedChunkStore cs;
  private final AtomicBoolean refusing = new AtomicBoolean();

  Serving(CachedChunkStore cs) {
    this.cs = cs;
  }

  /** {@link ChunkStore#readBlock}: always an array of the caller's own (cached arrays are reused once released). */
  byte[] read(Ctx ctx, String key, int blen, int off, int len) throws IOException {
    check(key, blen, off, len);
    ctx.checkCancelled();
    byte[] b = local(key, blen, off, len);
    if (b != null || !admits(key, blen)) {
      return b;
    }
    Block whole = cs.fetchWhole(ctx, key, blen, false, false, true);
    try {
      keep(key, whole.data());
      return Arrays.copyOfRange(whole.data(), off, off + len);
    } finally {
      whole.release();
    }
  }

  /** {@link ChunkStore#hasBlock}. */
  boolean has(String key, int blen) throws IOException {
    check(key, blen, 0, blen);
    return cs.cached(key);
  }

  /** {@link ChunkStore#keepBlock}. */
  boolean keep(String key, int blen, byte[] block) throws IOException {
    check(key, blen, 0, blen);
    if (block.length != blen) {
      throw Errno.EINVAL.exception("block " + key + " of " + blen + " bytes given " + block.length + " bytes");
    }
    DiskCache disk = cs.diskCache();
    if (disk != null && disk.contains(key)) {
      return true;
    }
    if (!admits(key, blen)) {
      return false;
    }
    return disk.putNow(key, block) || disk.contains(key);
  }

  /** {@link ChunkStore#evictBlock}: memory and disk; staging keeps its blocks until they are uploaded. */
  boolean evict(String key, int blen) throws IOException {
    check(key, blen, 0, blen);
    boolean inMemory = cs.memCache().contains(key);
    cs.memCache().remove(key);
    DiskCache disk = cs.diskCache();
    boolean onDisk = disk != null && disk.contains(key);
    if (onDisk) {
      disk.remove(key);
    }
    return inMemory || onDisk;
  }

  /** {@link ChunkStore#warmBlock}. */
  boolean warm(Ctx ctx, String key, int blen) throws IOException {
    check(key, blen, 0, blen);
    DiskCache disk = cs.diskCache();
    Staging staging = cs.staging();
    if (disk != null && (disk.contains(key) || (staging != null && staging.contains(key)))) {
      return true;
    }
    if (!admits(key, blen)) {
      return false;
    }
    Block b = cs.wholeBlock(ctx, key, blen, false);
    try {
      return disk.putNow(key, b.data()) || disk.contains(key);
    } finally {
      b.release();
    }
  }

  /** Bytes {@code [off, off + len)} from memory, staging or disk, or null when none has the block. */
  private byte[] local(String key, int blen, int off, int len) throws IOException {
    Block cached = cs.memCache().acquire(key);
    if (cached != null) {
      try {
        return Arrays.copyOfRange(cached.data(), off, off + len);
      } finally {
        cached.release();
      }
    }
    byte[] b;
    Staging staging = cs.staging();
    if (staging != null && (b = staging.get(key, blen, off, len)) != null) {
      return b;
    }
    DiskCache disk = cs.diskCache();
    return disk == null ? null : disk.get(key, blen, off, len);
  }

  /** Whether the disk cache takes block {@code key} now; counts and logs a refusal. */
  private boolean admits(String key, int blen) {
    DiskCache disk = cs.diskCache();
    if (disk == null) {
      return refuse(cs.meters().refusedNoCache, "this client has no disk cache");
    }
    if (!disk.admits(key, blen)) {
      return refuse(cs.meters().refusedFull, "it is below its free-space floor or resting after a failed write");
    }
    if (refusing.compareAndSet(true, false)) {
      log.info("the disk cache takes new blocks again: serving every block the group asks for");
    }
    return true;
  }

  private boolean refuse(Counter reason, String why) {
    reason.increment();
    if (refusing.compareAndSet(false, true)) {
      log.warn("the disk cache takes no new blocks ({}): serving the group only the blocks already cached, refusing others", why);
    }
    return false;
  }

  /** Writes a block fetched for a peer into the disk cache now (the owner keeps what it serves). */
  private void keep(String key, byte[] whole) {
    DiskCache disk = cs.diskCache();
    if (disk != null && !disk.putNow(key, whole)) {
      log.debug("served block {} could not be kept in the disk cache", key);
    }
  }

  /** Refuses (EINVAL) anything but the canonical key of a block of this volume and a range inside it. */
  private void check(String key, int blen, int off, int len) throws IOException {
    long[] p = key == null ? null : BlockKeys.parse(key);
    if (p == null || p[0] < 0 || p[1] < 0 || p[1] > Integer.MAX_VALUE || p[2] != blen || blen <= 0 || blen > cs.blockSize()
        || !key.equals(BlockKeys.key(p[0], (int) p[1], blen))) {
      String shown = key == null ? "null" : key.length() > KEY_IN_ERRORS ? key.substring(0, KEY_IN_ERRORS) + "..." : key;
      throw Errno.EINVAL.exception("not the key of a block of " + blen + " bytes: " + shown);
    }
    if (off < 0 || len < 0 || off > blen - len) {
      throw Errno.EINVAL.exception("range of " + len + " bytes at " + off + " is outside block " + key + " of " + blen + " bytes");
    }
  }
}
