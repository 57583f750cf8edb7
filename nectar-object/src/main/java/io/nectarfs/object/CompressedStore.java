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
 * <p>Concurrency: stateless; the LZ4 and Zstd codecs used are thread-safe.
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

  CompressedStore(ObjectStore next, StoreOptions.Compression algorithm) {
    super(next);
    this.algorithm = algorithm;
  }

  @Override
  public void put(String key, InputStream data, long length) throws IOException {
    put(key, readAll(key, data, length));
  }

  /** Compresses the array as it is (no copy of the input); the array is not kept. */
  @Override
  public void put(String key, byte[] raw) throws IOException {
    Keys.check(key);
    encodeAndPut(key, ByteBuffer.wrap(raw));
  }

  /**
   * Compresses straight from a single buffer; several buffers are joined first (LZ4 and Zstd
   * compress one contiguous input). The buffers are not kept.
   */
  @Override
  public void put(String key, List<ByteBuffer> parts) throws IOException {
    Keys.check(key);
    encodeAndPut(key, parts.size() == 1 ? parts.getFirst() : ByteBuffer.wrap(Buffers.join(parts)));
  }

  /** Passes the header and the body down as two buffers (no copy into one stored array). */
  private void encodeAndPut(String key, ByteBuffer raw) throws IOException {
    int n = raw.remaining();
    ByteBuffer body;
    byte alg;
    if (algorithm == StoreOptions.Compression.LZ4) {
      byte[] dst = new byte[lz4.maxCompressedLength(n)];
      int m = lz4.compress(raw, raw.position(), n, ByteBuffer.wrap(dst), 0, dst.length);
      body = ByteBuffer.wrap(dst, 0, m);
      alg = LZ4;
    } else {
      body = ByteBuffer.wrap(Zstd.compress(array(raw), ZSTD_LEVEL));
      alg = ZSTD;
    }
    if (body.remaining() >= n) {
      body = raw;
      alg = NONE;
    }
    CRC32C crc = new CRC32C();
    crc.update(raw.duplicate());
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    header.put((byte) 'N').put((byte) 'Z').put((byte) 1).put(alg).putLong(n).putInt((int) crc.getValue()).putShort((short) 0).flip();
    next.put(key, List.of(header, body));
  }

  /** The buffer's remaining bytes as an array: its own array when it is exactly that, else a copy. */
  private static byte[] array(ByteBuffer b) {
    if (b.hasArray() && b.arrayOffset() + b.position() == 0 && b.remaining() == b.array().length) {
      return b.array();
    }
    byte[] out = new byte[b.remaining()];
    b.get(b.position(), out);
    return out;
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
