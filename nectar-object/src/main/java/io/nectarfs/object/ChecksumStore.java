package io.nectarfs.object;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Stores a CRC32C for every segment and verifies the segments a get covers, so that a ranged get
 * fetches and checks only those segments.
 *
 * <p><b>Stored format</b> (big-endian): the object is cut into segments of {@code segment} bytes
 * (fixed per volume by its format: 16 KiB for new volumes, 64 KiB for those formatted before it
 * was a setting; the last segment shorter, an empty object has one empty segment); each segment
 * is stored as
 *
 * <pre>
 *   data | total length of the object (8 bytes) | CRC32C(data | segment index (8) | total length (8))
 * </pre>
 *
 * so segment {@code i} starts at {@code i * (segment + 12)}: a range's segments are found without
 * reading anything else. Every segment knows the total length, which exposes truncation, and its
 * index, which exposes moved segments. {@link #head} derives the user size from the stored size.
 *
 * <p>Concurrency: no state but pools of read buffers and windows (concurrent queues: a buffer belongs to one
 * read between taking and returning it).
 */
final class ChecksumStore extends TransformingStore {
  /** The segment of {@link StoreOptions#defaults()}: what volumes formatted before the size was a setting use. */
  static final int DEFAULT_SEGMENT = 64 << 10;
  private static final int TRAILER = 12;
  /** Ranges of up to this many bytes of segments are read into a pooled direct buffer ({@link #getBytes}). */
  static final int POOLED_BYTES = 256 << 10;
  private static final int POOL_LIMIT = 32;

  /** Direct buffers of {@link #pooledSegments} segments, reused across reads (at most {@link #POOL_LIMIT} kept). */
  private final java.util.concurrent.ConcurrentLinkedQueue<ByteBuffer> pooled = new java.util.concurrent.ConcurrentLinkedQueue<>();
  /** The windows of large reads ({@link #readLarge}), reused the same way: a block read allocates no window. */
  private final java.util.concurrent.ConcurrentLinkedQueue<byte[]> windows = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final int segment;
  private final int stride;
  /** How many segments a pooled buffer holds: {@link #POOLED_BYTES} of data, at least one segment. */
  private final int pooledSegments;

  /** {@code segment}: the bytes each checksum covers (the volume's format fixes it). */
  ChecksumStore(ObjectStore next, int segment) {
    super(next);
    this.segment = segment;
    this.stride = segment + TRAILER;
    this.pooledSegments = Math.max(1, POOLED_BYTES / segment);
  }

  private static int crc(byte[] b, int off, int len, long index, long total) {
    CRC32C c = new CRC32C();
    c.update(b, off, len);
    c.update(ByteBuffer.allocate(16).putLong(index).putLong(total).flip());
    return (int) c.getValue();
  }

  private static int crc(ByteBuffer data, long index, long total) {
    CRC32C c = new CRC32C();
    c.update(data);
    c.update(ByteBuffer.allocate(16).putLong(index).putLong(total).flip());
    return (int) c.getValue();
  }

  long segments(long total) {
    return Math.max(1, (total + segment - 1) / segment);
  }

  @Override
  public void put(String key, InputStream data, long length) throws IOException {
    put(key, readAll(key, data, length));
  }

  /** Encodes the array straight into the stored form (one copy); the array is not kept. */
  @Override
  public void put(String key, byte[] raw) throws IOException {
    Keys.check(key);
    long n = segments(raw.length);
    ByteBuffer out = ByteBuffer.allocate((int) (raw.length + n * TRAILER));
    for (long i = 0; i < n; i++) {
      int off = (int) (i * segment);
      int len = Math.min(segment, raw.length - off);
      out.put(raw, off, len).putLong(raw.length).putInt(crc(raw, off, len, i, raw.length));
    }
    next.put(key, out.array());
  }

  /**
   * The gather form without a copy: the CRC32C of each segment is computed over the caller's
   * buffers in place, and the store below receives views of them with a 12-byte trailer buffer
   * after each segment.
   */
  @Override
  public void put(String key, List<ByteBuffer> parts) throws IOException {
    Keys.check(key);
    long total = Buffers.remaining(parts);
    long n = segments(total);
    List<ByteBuffer> out = new ArrayList<>(parts.size() + (int) (2 * n));
    int pi = 0;
    ByteBuffer cur = null;
    for (long i = 0; i < n; i++) {
      CRC32C c = new CRC32C();
      long need = Math.min(segment, total - i * segment);
      while (need > 0) {
        while (cur == null || !cur.hasRemaining()) {
          cur = parts.get(pi++).duplicate();
        }
        int k = (int) Math.min(need, cur.remaining());
        ByteBuffer piece = cur.slice(cur.position(), k);
        c.update(piece.duplicate());
        out.add(piece);
        cur.position(cur.position() + k);
        need -= k;
      }
      c.update(ByteBuffer.allocate(16).putLong(i).putLong(total).flip());
      out.add(ByteBuffer.allocate(TRAILER).putLong(total).putInt((int) c.getValue()).flip());
    }
    next.put(key, out);
  }

  @Override
  public ObjectInfo head(String key) throws IOException {
    ObjectInfo o = next.head(key);
    return withSize(o, userSize(key, o.size()));
  }

  @Override
  long listedSize(ObjectInfo stored) throws IOException {
    return userSize(stored.key(), stored.size());
  }

  private long userSize(String key, long stored) throws CorruptObjectException {
    long full = stored / stride;
    long rem = stored % stride;
    if (rem == 0 && full > 0) {
      return full * segment;
    }
    if (rem < TRAILER) {
      throw new CorruptObjectException(key, "stored size " + stored + " is not a valid checksummed length (truncated?)");
    }
    return full * segment + rem - TRAILER;
  }

  @Override
  public InputStream get(String key, long off, long len) throws IOException {
    Decoded d = decode(key, off, len);
    return d == null ? InputStream.nullInputStream() : slice(d.buf, d.size, d.skip, len);
  }

  /**
   * The verified range in an array of its exact size: one copy after the read, straight from the
   * segments (their trailers skipped), not a compaction in place and then a copy. A range of at
   * most {@link #POOLED_BYTES} of segments (a small random read) is read into a pooled direct
   * buffer and verified there, so the only array is the result: no array of whole segments to
   * allocate and zero, and no copy out of the JDK's temporary buffer (measured on a cold 4 KiB
   * random read of a {@code file://} volume: about a third of the object read's time).
   */
  @Override
  public byte[] getBytes(String key, long off, long len) throws IOException {
    off = Math.max(0, off);
    long first = off / segment;
    if (len >= 0 && Math.max(first, (off + len - 1) / segment) - first < pooledSegments) {
      return getSmall(key, off, len, first);
    }
    if (len >= 0 && len <= Integer.MAX_VALUE - 8) {
      return getLarge(key, off, len, first);
    }
    Decoded d = decode(key, off, len, false);
    if (d == null) {
      return new byte[0];
    }
    int start = (int) Math.min(d.skip, d.size);
    return copyOut(ByteBuffer.wrap(d.buf), start, len < 0 ? d.size : (int) Math.min(d.size, start + len));
  }

  /** Data bytes {@code [start, end)} of the segments in {@code b} (data of segment j at {@code j * stride}), in a new array. */
  private byte[] copyOut(ByteBuffer b, int start, int end) {
    byte[] out = new byte[end - start];
    copyInto(b, start, end, out, 0);
    return out;
  }

  /** Data bytes {@code [start, end)} of the segments in {@code b} into {@code out} from {@code at}. */
  private void copyInto(ByteBuffer b, int start, int end, byte[] out, int at) {
    for (int pos = start; pos < end; ) {
      int seg = pos / segment;
      int in = pos - seg * segment;
      int n = Math.min(segment - in, end - pos);
      b.get(seg * stride + in, out, at + pos - start, n);
      pos += n;
    }
  }

  /**
   * A range longer than a pooled buffer with a known length (a whole block, as the chunk store
   * asks for it): streamed through one window of {@link #POOLED_BYTES} of segments, each window
   * verified and its data copied into the result, so the only large array is the result. Reading
   * the stored segments into one array first cost a second array of the block's size per read,
   * which the JVM must zero and, beyond 4 MiB, the kernel must fault in afresh (cold sequential
   * reads of a {@code file://} volume spent most of their CPU time there).
   */
  private byte[] getLarge(String key, long off, long len, long first) throws IOException {
    byte[] out = new byte[(int) len];
    int filled = readLarge(key, off, (int) len, first, out, 0);
    return filled == out.length ? out : Arrays.copyOf(out, filled);
  }

  /**
   * Reads into a heap buffer's own array when the range is larger than a pooled buffer (a whole
   * block into a block the caller reuses: no array of its own, see {@link #getLarge}); other
   * ranges and direct buffers as {@link ObjectStore#read} does.
   */
  @Override
  public int read(String key, long off, ByteBuffer dst) throws IOException {
    off = Math.max(0, off);
    long first = off / segment;
    int len = dst.remaining();
    if (!dst.hasArray() || dst.isReadOnly() || len == 0 || Math.max(first, (off + len - 1) / segment) - first < pooledSegments) {
      return super.read(key, off, dst);
    }
    int filled = readLarge(key, off, len, first, dst.array(), dst.arrayOffset() + dst.position());
    dst.position(dst.position() + filled);
    return filled;
  }

  /** {@link #getLarge}'s streaming read of {@code [off, off + len)} into {@code out} from {@code at}; the bytes it put there. */
  private int readLarge(String key, long off, int len, long first, byte[] out, int at) throws IOException {
    long last = Math.max(first, (off + len - 1) / segment);
    int skip = (int) (off - first * segment);
    byte[] window = windows.poll();
    if (window == null) {
      window = new byte[pooledSegments * stride];
    }
    try {
      return readWindows(key, off, len, first, last, skip, window, out, at);
    } finally {
      if (windows.size() < POOL_LIMIT) {
        windows.offer(window);
      }
    }
  }

  /** {@link #readLarge} through {@code window}. */
  private int readWindows(String key, long off, int len, long first, long last, int skip, byte[] window, byte[] out, int at)
      throws IOException {
    long stored = 0;
    long total = -1;
    int filled = 0;
    try (InputStream in = next.get(key, first * stride, (last - first + 1) * stride)) {
      for (long idx = first; idx <= last; ) {
        int want = (int) Math.min(pooledSegments, last - idx + 1) * stride;
        int got = in.readNBytes(window, 0, want);
        if (got == 0) {
          break;
        }
        ByteBuffer w = ByteBuffer.wrap(window, 0, got);
        long tot = check(key, w, idx);
        if (total >= 0 && tot != total) {
          throw new CorruptObjectException(key, "segment " + idx + " says length " + tot + " where earlier ones say " + total);
        }
        total = tot;
        // This window's data covers [base, base + dataLength(got)) of the range's first segment on.
        int base = (int) ((idx - first) * segment);
        int from = Math.max(skip, base);
        int to = (int) Math.min(skip + len, (long) base + dataLength(got));
        if (from < to) {
          copyInto(w, from - base, to - base, out, at + from - skip);
          filled = to - skip;
        }
        stored += got;
        idx += (got + stride - 1) / stride;
        if (got < want) {
          break;
        }
      }
    }
    if (stored == 0) {
      checkEnd(key, off, first);
      return 0;
    }
    checkCount(key, first, last, stored, total);
    return Math.max(filled, 0);
  }

  private byte[] getSmall(String key, long off, long len, long first) throws IOException {
    long last = Math.max(first, (off + len - 1) / segment);
    ByteBuffer b = pooled.poll();
    if (b == null) {
      b = ByteBuffer.allocateDirect(pooledSegments * stride);
    }
    try {
      b.clear().limit((int) (last - first + 1) * stride);
      int got = next.read(key, first * stride, b);
      if (got == 0) {
        checkEnd(key, off, first);
        return new byte[0];
      }
      b.flip();
      checkCount(key, first, last, got, check(key, b, first));
      int size = dataLength(got);
      int start = (int) Math.min(off - first * segment, size);
      return copyOut(b, start, (int) Math.min(size, start + len));
    } finally {
      if (pooled.size() < POOL_LIMIT) {
        pooled.offer(b);
      }
    }
  }

  /** Verified data of the segments a range covers: {@code buf[0, size)}, the range starting at {@code skip}. */
  private record Decoded(byte[] buf, int size, long skip) {}

  /** The segments covering {@code [off, off + len)} fetched and verified; null when the range starts at the end. */
  private Decoded decode(String key, long off, long len) throws IOException {
    return decode(key, off, len, true);
  }

  /**
   * The same; {@code compact} false leaves the segments where they were read (data of segment
   * {@code j} at {@code buf[j * stride, ...)}, trailers in between).
   */
  private Decoded decode(String key, long off, long len, boolean compact) throws IOException {
    off = Math.max(0, off);
    long first = off / segment;
    long last = len < 0 ? Long.MAX_VALUE : Math.max(first, (off + len - 1) / segment);
    long innerLen = len < 0 ? -1 : (last - first + 1) * stride;
    byte[] b = next.getBytes(key, first * stride, innerLen);
    if (b.length == 0) {
      checkEnd(key, off, first);
      return null;
    }
    int[] dataLen = new int[1];
    checkCount(key, first, last, b.length, verifyInPlace(key, b, first, dataLen, compact));
    return new Decoded(b, dataLen[0], off - first * segment);
  }

  /**
   * {@code stored} bytes read from segment {@code first} on, for a range up to segment {@code
   * last}, must end where the object's {@code total} length says: at {@code last} or at its end.
   */
  private void checkCount(String key, long first, long last, long stored, long total) throws CorruptObjectException {
    long count = segments(total);
    long got = (stored + stride - 1) / stride;
    if (first + got - 1 != Math.min(last, count - 1)) {
      throw new CorruptObjectException(key, "has " + (first + got) + " segments where its length " + total + " needs " + count + " (truncated?)");
    }
  }

  /**
   * Verifies the segments in {@code b[0, limit)} (read from segment {@code first} on: data, then
   * the 12-byte trailer); returns the object's total length. The buffer's position is unchanged.
   */
  private long check(String key, ByteBuffer b, long first) throws CorruptObjectException {
    long total = -1;
    long idx = first;
    for (int pos = 0; pos < b.limit(); pos += stride, idx++) {
      int piece = Math.min(stride, b.limit() - pos);
      if (piece < TRAILER) {
        throw new CorruptObjectException(key, "segment " + idx + " is truncated");
      }
      int dlen = piece - TRAILER;
      long tot = b.getLong(pos + dlen);
      int sum = b.getInt(pos + dlen + 8);
      if (sum != crc(b.slice(pos, dlen), idx, tot)) {
        throw new CorruptObjectException(key, "CRC32C mismatch in segment " + idx);
      }
      long expect = Math.min(segment, tot - idx * segment);
      if (tot < 0 || (total >= 0 && tot != total) || dlen != Math.max(0, expect) || (expect < 0 && !(tot == 0 && idx == 0))) {
        throw new CorruptObjectException(key, "segment " + idx + " has " + dlen + " bytes, inconsistent with length " + tot);
      }
      total = tot;
    }
    return total;
  }

  /** The data bytes of {@code stored} bytes of whole segments and a last, possibly shorter, one. */
  private int dataLength(int stored) {
    return stored - (int) ((stored + stride - 1) / stride) * TRAILER;
  }

  /**
   * Verifies the segments in {@code b} ({@link #check}) and, when {@code compact}, moves their data
   * together at the front of {@code b} (dropping the trailers) without another buffer; {@code
   * dataLen[0]} receives the data length.
   */
  private long verifyInPlace(String key, byte[] b, long first, int[] dataLen, boolean compact) throws CorruptObjectException {
    long total = check(key, ByteBuffer.wrap(b), first);
    if (compact) {
      for (int pos = stride, out = segment; pos < b.length; pos += stride, out += segment) {
        System.arraycopy(b, pos, b, out, Math.min(segment, b.length - pos - TRAILER));
      }
    }
    dataLen[0] = dataLength(b.length);
    return total;
  }

  /** Verifies the segments in {@code b} (the first has index {@code first}); returns the total length. */
  private long verify(String key, byte[] b, long first, ByteArrayOutputStream data) throws CorruptObjectException {
    long total = check(key, ByteBuffer.wrap(b), first);
    for (int pos = 0; pos < b.length; pos += stride) {
      data.write(b, pos, Math.min(segment, b.length - pos - TRAILER));
    }
    return total;
  }

  /** Nothing was stored at segment {@code first}: fine if {@code off} is past the end, else damage. */
  private void checkEnd(String key, long off, long first) throws IOException {
    if (first == 0) {
      throw new CorruptObjectException(key, "empty stored object (truncated)");
    }
    long stored = next.head(key).size();
    long total = userSize(key, stored);
    long lastIdx = segments(total) - 1;
    byte[] b = next.getBytes(key, lastIdx * stride, -1);
    long verified = verify(key, b, lastIdx, new ByteArrayOutputStream());
    if (b.length > stride || verified != total || off < total) {
      throw new CorruptObjectException(key, "its last segment does not match its stored size (truncated?)");
    }
  }
}
