package io.nectarfs.chunk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;

/**
 * The on-disk format of a cached or staged block, shared by {@link DiskCache} and {@link Staging}:
 *
 * <pre>
 *   data[len] | crc32c(segment 0) .. crc32c(segment n-1) | len (u32 BE) | magic "NCB1" (u32 BE)
 * </pre>
 *
 * where the segments are the consecutive {@value #SEGMENT}-byte parts of the data (the last one
 * shorter) and each CRC is a big-endian u32. A read of a range verifies only the segments it
 * touches (widened to segment boundaries), so a 4 KiB read of a 4 MiB block reads about 32 KiB.
 * Any mismatch (size, length, magic, CRC) is a {@link CorruptCacheFileException}: the caller drops
 * the file and never returns its bytes.
 *
 * <p>Files are written to a temporary sibling ({@code .<random>.tmp}) and renamed into place, so
 * a reader sees either no file or a whole one; with {@code durable} the file and its directory are
 * fsynced (writeback staging).
 */
final class CacheFiles {
  static final int SEGMENT = 32 << 10;
  static final int MAGIC = 0x4E434231; // "NCB1"
  static final String TMP_SUFFIX = ".tmp";

  private CacheFiles() {}

  /** A cache or staging file whose bytes do not match its checksums. */
  static final class CorruptCacheFileException extends IOException {
    private static final long serialVersionUID = 1L;

    CorruptCacheFileException(Path p, String what) {
      super("cache file " + p + " is damaged: " + what);
    }
  }

  static int segments(int len) {
    return (len + SEGMENT - 1) / SEGMENT;
  }

  /** The size on disk of a block of {@code len} bytes. */
  static long fileSize(int len) {
    return len + 4L * segments(len) + 8;
  }

  /** Writes {@code data} as a private (0600) cache file at {@code target}, atomically; fsyncs when durable. */
  static void write(Path target, byte[] data, boolean durable) throws IOException {
    write(target, data, durable, PRIVATE);
  }

  private static final CacheModes PRIVATE = new CacheModes(ChunkConfig.DEFAULT_CACHE_MODE);

  /**
   * Writes {@code data} as a cache file at {@code target}, atomically, with the file and directory
   * modes of {@code modes} (missing directories are created); fsyncs when durable.
   */
  static void write(Path target, byte[] data, boolean durable, CacheModes modes) throws IOException {
    Path dir = target.getParent();
    modes.createDirectories(dir);
    Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + TMP_SUFFIX);
    int n = segments(data.length);
    ByteBuffer trailer = ByteBuffer.allocate(4 * n + 8);
    CRC32C crc = new CRC32C();
    for (int s = 0; s < n; s++) {
      crc.reset();
      int from = s * SEGMENT;
      crc.update(data, from, Math.min(SEGMENT, data.length - from));
      trailer.putInt((int) crc.getValue());
    }
    trailer.putInt(data.length).putInt(MAGIC).flip();
    try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), modes.fileAttribute())) {
      modes.afterCreate(tmp);
      ByteBuffer d = ByteBuffer.wrap(data);
      while (d.hasRemaining()) {
        ch.write(d);
      }
      while (trailer.hasRemaining()) {
        ch.write(trailer);
      }
      if (durable) {
        ch.force(true);
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    if (durable) {
      fsyncDir(dir);
    }
  }

  /** Fsyncs a directory so a rename or create in it survives a crash (best effort off Linux). */
  static void fsyncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
        return; // some platforms cannot open directories
      }
      throw e;
    }
  }

  /**
   * Reads bytes {@code [off, off + n)} of the block of {@code len} bytes stored at {@code p},
   * verifying every segment it touches.
   *
   * @throws java.nio.file.NoSuchFileException if the file is gone
   * @throws CorruptCacheFileException if the file does not match its trailer
   */
  static byte[] read(Path p, int len, int off, int n) throws IOException {
    if (off < 0 || n < 0 || off + n > len) {
      throw new IllegalArgumentException("range [" + off + ", " + (off + n) + ") outside block of " + len);
    }
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size != fileSize(len)) {
        throw new CorruptCacheFileException(p, "size " + size + ", expected " + fileSize(len));
      }
      ByteBuffer tail = readFully(ch, size - 8, 8, p);
      int storedLen = tail.getInt();
      int magic = tail.getInt();
      if (magic != MAGIC || storedLen != len) {
        throw new CorruptCacheFileException(p, "bad trailer (length " + storedLen + ", magic " + Integer.toHexString(magic) + ")");
      }
      if (n == 0) {
        return new byte[0];
      }
      int s0 = off / SEGMENT;
      int s1 = (off + n - 1) / SEGMENT;
      int from = s0 * SEGMENT;
      int to = Math.min(len, (s1 + 1) * SEGMENT);
      ByteBuffer data = readFully(ch, from, to - from, p);
      ByteBuffer crcs = readFully(ch, len + 4L * s0, 4 * (s1 - s0 + 1), p);
      CRC32C crc = new CRC32C();
      byte[] a = data.array();
      for (int s = s0; s <= s1; s++) {
        int a0 = s * SEGMENT - from;
        int a1 = Math.min(to - from, a0 + SEGMENT);
        crc.reset();
        crc.update(a, a0, a1 - a0);
        if ((int) crc.getValue() != crcs.getInt()) {
          throw new CorruptCacheFileException(p, "checksum mismatch in segment " + s);
        }
      }
      byte[] out = new byte[n];
      System.arraycopy(a, off - from, out, 0, n);
      return out;
    }
  }

  private static ByteBuffer readFully(FileChannel ch, long pos, int n, Path p) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      int r = ch.read(b, pos + b.position());
      if (r < 0) {
        throw new CorruptCacheFileException(p, "truncated");
      }
    }
    return b.flip();
  }
}
