package io.nectarfs.object;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Compresses each object with LZ4 or Zstd.
 *
 * <p><b>Stored format</b> (version 1, big-endian), 18 bytes of header then the body:
 *
 * <pre>
 *   magic "NZ" | version 1 (1 byte) | algorithm (1 byte: 0 none, 1 lz4, 2 zstd)
 *   | original length (8 bytes) | CRC32C of the original bytes (4 bytes) | unused (2 bytes, 0)
 *   | body
 * </pre>
 *
 * Data that does not shrink is stored with algorithm "none". The CRC32C of the original bytes
 * makes damaged bodies fail as {@link CorruptObjectException} even where a decompressor would
 * produce bytes. A ranged get decompresses the whole object (a block of at most 16 MiB) and
 * slices; {@link #head} reads only the header.
 *
 * <p>Concurrency: the LZ4 and Zstd codecs used are thread-safe; a put holds one {@link Scratch}
 * (taken from and returned to a blocking queue) for the whole encoding and the put below, so no
 * two puts share buffers.
 */
final class CompressedStore extends TransformingStore {
  static final int HEADER = 18;
  private static final byte NONE = 0;
  private static final byte LZ4 = 1;
  private static final byte ZSTD = 2;
  private static final int ZSTD_LEVEL = 3;

  private final StoreOptions.Compression algorithm;
  private final LZ4Compressor lz4 = LZ4Factory.fastestInstance().fastCompressor();
  private final LZ4SafeDecompressor lz4d = LZ4Factory.fastestInstance().safeDecompressor();
  /** Scratch buffers: as many as the machine has cores (at least 2). */
  static final int SCRATCH = Math.max(2, Runtime.getRuntime().availableProcessors());
  private final java.util.concurrent.BlockingQueue<Scratch> scratch = new java.util.concurrent.ArrayBlockingQueue<>(SCRATCH);

  CompressedStore(ObjectStore next, StoreOptions.Compression algorithm) {
    super(next);
    this.algorithm = algorithm;
    for (int i = 0; i < SCRATCH; i++) {
      scratch.add(new Scratch());
    }
  }

  @Override
  public void put(String key, InputStream data, long length) throws IOException {
    put(key, readAll(key, data, length));
  }

  /** Compresses the array as it is (no copy of the input); the array is not kept. */
  @Override
  public void put(String key, byte[] raw) throws IOException {
    Keys.check(key);
    encodeAndPut(key, List.of(ByteBuffer.wrap(raw)));
  }

  /**
   * Compresses the buffers without garbage on the heap: a single buffer is compressed where it is,
   * several are first gathered into the scratch input (LZ4 and Zstd compress one contiguous
   * input); the body goes down from the scratch output. The buffers are not kept.
   */
  @Override
  public void put(String key, List<ByteBuffer> parts) throws IOException {
    Keys.check(key);
    encodeAndPut(key, parts);
  }

  /** Passes the header and the body down as two buffers (no copy into one stored array). */
  private void encodeAndPut(String key, List<ByteBuffer> parts) throws IOException {
    Scratch sc = takeScratch();
    try {
      int n = (int) Buffers.remaining(parts);
      ByteBuffer raw = parts.size() == 1 && (algorithm == StoreOptions.Compression.LZ4 || parts.getFirst().isDirect())
          ? parts.getFirst().duplicate()
          : sc.gather(parts, n);
      int bound = algorithm == StoreOptions.Compression.LZ4 ? lz4.maxCompressedLength(n) : (int) Zstd.compressBound(n);
      ByteBuffer dst = sc.out(bound);
      int m;
      byte alg;
      if (algorithm == StoreOptions.Compression.LZ4) {
        m = lz4.compress(raw, raw.position(), n, dst, 0, bound);
        alg = LZ4;
      } else {
        long got = Zstd.compressDirectByteBuffer(dst, 0, bound, raw, raw.position(), n, ZSTD_LEVEL);
        if (Zstd.isError(got)) {
          throw new IOException("cannot compress " + key + ": " + Zstd.getErrorName(got));
        }
        m = (int) got;
        alg = ZSTD;
      }
      ByteBuffer body = dst.slice(0, m);
      if (m >= n) {
        body = raw;
        alg = NONE;
      }
      CRC32C crc = new CRC32C();
      crc.update(raw.duplicate());
      ByteBuffer header = ByteBuffer.allocate(HEADER);
      header.put((byte) 'N').put((byte) 'Z').put((byte) 1).put(alg).putLong(n).putInt((int) crc.getValue()).putShort((short) 0).flip();
      next.put(key, List.of(header, body));
    } finally {
      scratch.add(sc);
    }
  }

  private Scratch takeScratch() throws IOException {
    try {
      return scratch.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted waiting to compress");
    }
  }

  /**
   * Off-heap input and output buffers for one encoding at a time, grown to the largest object
   * seen (a block: at most 16 MiB) and kept; at most {@link #SCRATCH} exist, so puts beyond that
   * many at once wait (compression is CPU-bound: more would not run faster).
   */
  private static final class Scratch {
    private ByteBuffer in;
    private ByteBuffer out;

    ByteBuffer gather(List<ByteBuffer> parts, int n) {
      if (in == null || in.capacity() < n) {
        in = ByteBuffer.allocateDirect(n);
      }
      in.clear();
      for (ByteBuffer p : parts) {
        in.put(p.duplicate());
      }
      return in.flip();
    }

    ByteBuffer out(int bound) {
      if (out == null || out.capacity() < bound) {
        out = ByteBuffer.allocateDirect(bound);
      }
      return out.clear();
    }
  }

  @Override
  public InputStream get(String key, long off, long len) throws IOException {
    return slice(decode(key, next.getBytes(key)), off, len);
  }

  @Override
  public ObjectInfo head(String key) throws IOException {
    ObjectInfo o = next.head(key);
    byte[] h = next.getBytes(key, 0, HEADER);
    return withSize(o, header(key, h, o.size()));
  }

  /**
   * Listing sizes need each object's header: one small ranged get per listed object. Listings of
   * compressed volumes are therefore slower; they are rare on the data path (gc, fsck).
   */
  @Override
  long listedSize(ObjectInfo stored) throws IOException {
    try {
      return header(stored.key(), next.getBytes(stored.key(), 0, HEADER), stored.size());
    } catch (java.nio.file.NoSuchFileException e) {
      return -1;
    }
  }

  /** Checks the header and returns the original length. */
  private static long header(String key, byte[] b, long storedSize) throws CorruptObjectException {
    if (b.length < HEADER || b[0] != 'N' || b[1] != 'Z') {
      throw new CorruptObjectException(key, "no compression header");
    }
    if (b[2] != 1) {
      throw new CorruptObjectException(key, "unknown compression format version " + b[2]);
    }
    long n = ByteBuffer.wrap(b, 4, 8).getLong();
    if (n < 0 || n > Integer.MAX_VALUE - 8 || (b[3] == NONE && n != storedSize - HEADER)) {
      throw new CorruptObjectException(key, "bad original length " + n + " in compression header");
    }
    return n;
  }

  byte[] decode(String key, byte[] b) throws CorruptObjectException {
    int n = (int) header(key, b, b.length);
    int expectCrc = ByteBuffer.wrap(b, 12, 4).getInt();
    byte[] raw;
    try {
      raw = switch (b[3]) {
        case NONE -> java.util.Arrays.copyOfRange(b, HEADER, b.length);
        case LZ4 -> {
          byte[] r = new byte[n];
          int got = lz4d.decompress(b, HEADER, b.length - HEADER, r, 0, n);
          if (got != n) {
            throw new CorruptObjectException(key, "LZ4 body decompresses to " + got + " bytes, expected " + n);
          }
          yield r;
        }
        case ZSTD -> {
          byte[] r = new byte[n];
          long got = Zstd.decompressByteArray(r, 0, n, b, HEADER, b.length - HEADER);
          if (Zstd.isError(got) || got != n) {
            throw new CorruptObjectException(key, "Zstd body is damaged");
          }
          yield r;
        }
        default -> throw new CorruptObjectException(key, "unknown compression algorithm " + b[3]);
      };
    } catch (CorruptObjectException e) {
      throw e;
    } catch (RuntimeException e) { // LZ4Exception, ZstdException, index errors on garbage
      throw new CorruptObjectException(key, "cannot decompress (" + e.getClass().getSimpleName() + ")");
    }
    CRC32C crc = new CRC32C();
    crc.update(raw);
    if ((int) crc.getValue() != expectCrc) {
      throw new CorruptObjectException(key, "CRC32C of the decompressed data does not match");
    }
    return raw;
  }
}
