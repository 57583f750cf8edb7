package io.nectarfs.vfs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;

/**
 * The write journal of a kept mount (issue #17): every piece of acknowledged data that is not yet
 * committed, in a file that outlives the process (a memfd the mount's keeper holds), so that the
 * worker that takes over after a crash commits it instead of losing it (it takes the pieces as its
 * own pending writes, and their records stay live until that commit).
 *
 * <p>Layout: a superblock (magic, version, this journal's random id, size, and where the live
 * records start and end: a recovery reads only that part) in the first 4 KiB,
 * then a ring of records, each 8-byte aligned: magic, kind, length, CRC32C, journal id, sequence
 * number, inode, slice id, chunk index (-1: an append), offset in the chunk (or in the append
 * slice), the request that wrote it (the FUSE unique id, 0 if none; see {@link Vfs#replayedWrite}),
 * then the bytes. A piece is written when the write puts it into a pending slice and
 * erased (its kind set to dead, one byte) when that slice leaves the writer: committed, or dropped
 * with an error the application is told. So the live records in the file are exactly the pieces of
 * pending slices, except in the moment between a commit and the erasure (a crash there leaves a
 * committed piece live: replayed, a positioned one writes the same bytes again; an append is
 * recognised by its slice in the file and skipped, see {@code VfsImpl.useJournal}). Records are
 * never overwritten while live; the sequence number orders them.
 *
 * <p>Space: when the ring has no room for a piece, {@link #piece} returns false and the caller
 * commits its pending data instead (the piece is then durable and needs no record), so writes never
 * wait for the journal; above half full, {@link #pressure} asks the background flusher to commit
 * everyone's pending data. When no record is live the ring starts again at its beginning (its
 * pages already in memory); the memory is released ({@link Punch}) once the journal stays empty
 * for a while ({@link #releaseIdle}). Erased records that new ones do not cover stay in the file:
 * a record is made live (its kind set) only once it is whole, so no crash can bring an old one
 * back.
 *
 * <p>Concurrency: space is reserved under this object's monitor; the bytes are copied into the
 * shared mapping outside it (regions of different records never overlap). Erasures take the
 * monitor. Invariant: {@link #live} holds the records from the oldest live one to the newest in
 * ring order, erased ones included until they reach its head.
 */
final class WriteJournal implements AutoCloseable {
  /** Releases the memory of a range of the file (fallocate PUNCH_HOLE on Linux). */
  @FunctionalInterface
  interface Punch {
    void punch(long offset, long length) throws IOException;
  }

  static final int SUPER = 4096;
  static final int HEADER = 64;
  /** The most bytes one record carries; a larger piece takes several. */
  static final int MAX_PAYLOAD = 1 << 20;
  /** The largest journal (a position fits an int). */
  static final long MAX_SIZE = 1L << 30;
  /** The smallest journal: room for a few of the largest records. */
  static final long MIN_SIZE = 5L << 20;
  /** Memory below this is kept even when idle. */
  static final long PUNCH_ABOVE = 1 << 20;
  private static final int MAGIC = 0x4e4a524e; // "NJRN"
  /** Superblock fields: where the oldest live record starts and where the newest ends (hints, ahead of the records they cover). */
  private static final long HEAD_HINT = 24;
  private static final long TAIL_HINT = 32;
  private static final int SUPER_MAGIC = 0x4e4a5342; // "NJSB"
  private static final int VERSION = 1;
  private static final byte PIECE = 1;
  private static final byte DEAD = 0;
  private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /**
   * A piece read back from a journal: where the bytes go; {@code data} is a read-only view of the
   * journal's mapping (no copy), valid while the journal is open and the record live.
   */
  record Piece(long seq, long ino, long slice, int index, int pos, long request, ByteBuffer data) {}

  private static final class Rec {
    final long slice;
    final long at;
    final long size;
    boolean dead;

    Rec(long slice, long at, long size) {
      this.slice = slice;
      this.at = at;
      this.size = size;
    }
  }

  private final Arena arena = Arena.ofShared();
  private final MemorySegment map;
  /** {@link #map} as a buffer, for checksums without an object per record. */
  private final ByteBuffer view;
  private final long size;
  private final long id;
  private final Punch punch;
  private final Runnable pressure;
  private final ArrayDeque<Rec> live = new ArrayDeque<>();
  private final Map<Long, List<Rec>> bySlice = new HashMap<>();
  private long seq;
  private long tail = SUPER;
  /** Bytes from the oldest live record to the tail (with the unused end of the ring when wrapped). */
  private long used;
  private boolean pressed;
  /** The highest end of a record since the memory was last released. */
  private long touched = SUPER;
  /** When the ring was first seen empty by {@link #releaseIdle} (-1: not empty since). */
  private long emptySince = -1;

  private WriteJournal(FileChannel file, long size, long id, Punch punch, Runnable pressure) throws IOException {
    this.size = size;
    this.map = file.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
    this.view = map.asByteBuffer();
    this.id = id;
    this.punch = punch;
    this.pressure = pressure;
  }

  /**
   * A new, empty journal in {@code file}, which is resized to {@code size} (whatever it held is
   * discarded).
   */
  static WriteJournal create(FileChannel file, long size, Punch punch, Runnable pressure) throws IOException {
    if (size < MIN_SIZE || size > MAX_SIZE) {
      throw new IllegalArgumentException("a write journal takes " + MIN_SIZE + " to " + MAX_SIZE + " bytes");
    }
    file.truncate(0);
    file.write(ByteBuffer.wrap(new byte[] {0}), size - 1);
    WriteJournal j = new WriteJournal(file, size, ThreadLocalRandom.current().nextLong(), punch, pressure);
    j.map.set(INT, 0, SUPER_MAGIC);
    j.map.set(INT, 4, VERSION);
    j.map.set(LONG, 8, j.id);
    j.map.set(LONG, 16, size);
    j.map.set(LONG, HEAD_HINT, SUPER);
    j.map.set(LONG, TAIL_HINT, SUPER);
    return j;
  }

  /**
   * The journal a crashed process left in {@code file}, continued: its live pieces, in the order
   * they were written, stay live here until {@link #done} erases them.
   *
   * @throws IOException when the file holds no journal of this version
   */
  static Recovered recover(FileChannel file, Punch punch, Runnable pressure) throws IOException {
    long fileSize = file.size();
    if (fileSize < MIN_SIZE || fileSize > MAX_SIZE) {
      throw new IOException("the write journal is missing, cut short or too large (" + fileSize + " bytes)");
    }
    ByteBuffer sb = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    file.read(sb, 0);
    if (sb.getInt(0) != SUPER_MAGIC || sb.getInt(4) != VERSION || sb.getLong(16) != fileSize) {
      throw new IOException("the file holds no write journal of version " + VERSION);
    }
    WriteJournal j = new WriteJournal(file, fileSize, sb.getLong(8), punch, pressure);
    List<Piece> pieces = new ArrayList<>();
    List<Rec> recs = new ArrayList<>();
    long head = j.map.get(LONG, HEAD_HINT);
    long tail = j.map.get(LONG, TAIL_HINT);
    if (head < SUPER || head > fileSize || tail < SUPER || tail > fileSize) {
      head = SUPER; // no hints: read everything
      tail = fileSize;
    }
    if (head <= tail) {
      j.scan(head, tail, pieces, recs);
    } else {
      j.scan(head, fileSize, pieces, recs);
      j.scan(SUPER, tail, pieces, recs);
    }
    // Ring order from the oldest live record is sequence order.
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < pieces.size(); i++) {
      order.add(i);
    }
    order.sort((x, y) -> Long.compare(pieces.get(x).seq(), pieces.get(y).seq()));
    List<Piece> sorted = new ArrayList<>(pieces.size());
    synchronized (j) {
      for (int i : order) {
        Piece p = pieces.get(i);
        Rec r = recs.get(i);
        sorted.add(p);
        j.live.addLast(r);
        j.bySlice.computeIfAbsent(r.slice, x -> new ArrayList<>()).add(r);
        j.seq = Math.max(j.seq, p.seq() + 1);
      }
      if (!j.live.isEmpty()) {
        Rec last = j.live.peekLast();
        j.tail = last.at + last.size;
        long first = j.live.peekFirst().at;
        j.used = j.tail > first ? j.tail - first : (fileSize - first) + (j.tail - SUPER);
        j.map.set(LONG, HEAD_HINT, first);
        j.map.set(LONG, TAIL_HINT, j.tail);
      } else {
        j.reset();
      }
    }
    return new Recovered(j, sorted);
  }

  /** Adds the live pieces among the records from {@code from} to {@code to}. */
  private void scan(long from, long to, List<Piece> pieces, List<Rec> recs) {
    long at = from;
    while (at + HEADER <= to) {
      long n = validRecord(at);
      if (n < 0) {
        at += 8;
        continue;
      }
      if (map.get(ValueLayout.JAVA_BYTE, at + 4) == PIECE) {
        int len = map.get(INT, at + 8);
        ByteBuffer data = view.slice((int) (at + HEADER), len).asReadOnlyBuffer(); // the journal's own bytes: valid while the record is live
        pieces.add(new Piece(map.get(LONG, at + 24), map.get(LONG, at + 32), map.get(LONG, at + 40), map.get(INT, at + 48), map.get(INT, at + 52),
            map.get(LONG, at + 56), data));
        recs.add(new Rec(map.get(LONG, at + 40), at, n));
      }
      at += n;
    }
  }

  /**
   * Runs the journal's code on a throwaway file (records written and read back), so that a
   * process that may have to replay a crashed one's journal has it compiled before: a cold JVM
   * read tens of thousands of small records at about 6 µs each.
   */
  static void warmUp() throws IOException {
    Path f = Files.createTempFile("nectar-journal-warmup", null,
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE)) {
      ByteBuffer small = ByteBuffer.allocate(64);
      for (int round = 0; round < 2; round++) {
        try (WriteJournal j = create(ch, MIN_SIZE, (o, l) -> {}, () -> {})) {
          for (int i = 0; i < 10_000; i++) {
            j.piece(1, i / 100, -1, (i % 100) * 64, i, small);
          }
          try (WriteJournal k = recover(ch, (o, l) -> {}, () -> {}).journal()) {
            // read back: compiled
          }
        }
      }
    }
  }

  /** A continued journal and the pieces it held (oldest first). */
  record Recovered(WriteJournal journal, List<Piece> pieces) {}

  /** The record's size if a whole, intact record of this journal starts at {@code at}, else -1. */
  private long validRecord(long at) {
    if (map.get(INT, at) != MAGIC || map.get(LONG, at + 16) != id) {
      return -1;
    }
    int len = map.get(INT, at + 8);
    if (len < 0 || len > MAX_PAYLOAD || at + HEADER + len > size) {
      return -1;
    }
    return map.get(INT, at + 12) == crc(at, len) ? align(HEADER + len) : -1;
  }

  /** CRC32C of a record's header (without its kind and CRC fields) and bytes. */
  private int crc(long at, int len) {
    ByteBuffer v = view.duplicate(); // (concurrent writers: a view each)
    CRC32C c = new CRC32C();
    int a = (int) at;
    c.update(v.limit(a + 4).position(a));
    c.update(v.limit(a + 12).position(a + 8));
    c.update(v.limit(a + HEADER + len).position(a + 16));
    return (int) c.getValue();
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }

  /**
   * Records {@code data} (not consumed) as written at {@code pos} of chunk {@code index} (-1: at
   * {@code pos} of the append slice) of {@code ino}, into pending slice {@code slice}, by request
   * {@code request}. Returns false, recording nothing, when the journal has no room: the caller
   * then commits the slice.
   */
  boolean piece(long ino, long slice, int index, int pos, long request, ByteBuffer data) {
    int off = 0;
    List<Rec> taken = new ArrayList<>();
    while (off < data.remaining()) {
      int len = Math.min(MAX_PAYLOAD, data.remaining() - off);
      Rec r;
      long s;
      synchronized (this) {
        r = reserve(slice, align(HEADER + len));
        s = seq++;
      }
      if (r == null) {
        done(slice, taken);
        return false;
      }
      taken.add(r);
      long at = r.at;
      map.set(ValueLayout.JAVA_BYTE, at + 4, DEAD); // live only once whole: an old record here must not come back
      map.set(INT, at, MAGIC);
      map.set(INT, at + 8, len);
      map.set(LONG, at + 16, id);
      map.set(LONG, at + 24, s);
      map.set(LONG, at + 32, ino);
      map.set(LONG, at + 40, slice);
      map.set(INT, at + 48, index);
      map.set(INT, at + 52, pos + off);
      map.set(LONG, at + 56, request);
      MemorySegment.copy(MemorySegment.ofBuffer(data), off, map, at + HEADER, len);
      map.set(INT, at + 12, crc(at, len));
      map.set(ValueLayout.JAVA_BYTE, at + 4, PIECE);
      off += len;
    }
    return true;
  }

  /** Room for a record of {@code n} bytes at the tail, or null. Holds the monitor. */
  private Rec reserve(long slice, long n) {
    long at;
    if (live.isEmpty()) {
      at = tail; // the start of the ring (release() started it again)
      if (size - at < n) {
        return null;
      }
    } else {
      long head = live.peekFirst().at;
      if (tail > head) {
        if (size - tail >= n) {
          at = tail;
        } else if (head - SUPER > n) {
          used += size - tail; // the end of the ring stays unused this round
          at = SUPER;
        } else {
          return null;
        }
      } else if (head - tail > n) {
        at = tail;
      } else {
        return null;
      }
    }
    Rec r = new Rec(slice, at, n);
    if (live.isEmpty()) {
      map.set(LONG, HEAD_HINT, at);
    }
    tail = at + n;
    map.set(LONG, TAIL_HINT, tail); // before the record is written
    used += n;
    live.addLast(r);
    bySlice.computeIfAbsent(slice, x -> new ArrayList<>()).add(r);
    if (!pressed && used > (size - SUPER) / 2) {
      pressed = true;
      pressure.run();
    }
    return r;
  }

  /**
   * Starts the ring again at its beginning (no record is live), where the memory is already in
   * use: a first touch of a page of the file costs a page fault, which made a journal that moved
   * on through fresh pages halve the sequential write speed. {@link #releaseIdle} gives the
   * memory back. Holds the monitor.
   */
  private void reset() {
    touched = Math.max(touched, tail);
    emptySince = -1;
    tail = SUPER;
    used = 0;
    pressed = false;
    map.set(LONG, HEAD_HINT, SUPER);
    map.set(LONG, TAIL_HINT, SUPER);
  }

  /** The pieces of {@code slices} are no longer needed (committed, or dropped with an error reported). */
  void done(Iterable<Long> slices) {
    synchronized (this) {
      for (long s : slices) {
        List<Rec> rs = bySlice.remove(s);
        if (rs != null) {
          for (Rec r : rs) {
            erase(r);
          }
        }
      }
      release();
    }
  }

  private void done(long slice, List<Rec> taken) {
    synchronized (this) {
      List<Rec> rs = bySlice.get(slice);
      for (Rec r : taken) {
        erase(r);
        if (rs != null) {
          rs.remove(r);
        }
      }
      if (rs != null && rs.isEmpty()) {
        bySlice.remove(slice);
      }
      release();
    }
  }

  private void erase(Rec r) {
    r.dead = true;
    map.set(ValueLayout.JAVA_BYTE, r.at + 4, DEAD);
  }

  /** Drops erased records from the head. Holds the monitor. */
  private void release() {
    boolean moved = false;
    while (!live.isEmpty() && live.peekFirst().dead) {
      Rec r = live.pollFirst();
      Rec next = live.peekFirst();
      moved = true;
      if (next == null) {
        used = 0;
      } else {
        used -= next.at > r.at ? next.at - r.at : (size - r.at) + (next.at - SUPER);
      }
    }
    if (moved && !live.isEmpty()) {
      map.set(LONG, HEAD_HINT, live.peekFirst().at);
    }
    if (live.isEmpty()) {
      reset();
    }
    if (used <= (size - SUPER) / 4) {
      pressed = false;
    }
  }

  /**
   * Releases the memory of the ring ({@link Punch}) when no record has been live for {@code
   * idleNanos} and more than {@link #PUNCH_ABOVE} of it was used; {@code now}: a monotonic clock.
   * Returns whether it did. Called by the background flusher.
   */
  synchronized boolean releaseIdle(long now, long idleNanos) {
    if (!live.isEmpty()) {
      emptySince = -1;
      return false;
    }
    if (emptySince < 0) {
      emptySince = now;
    }
    if (Math.max(touched, tail) - SUPER <= PUNCH_ABOVE || now - emptySince < idleNanos) {
      return false;
    }
    try {
      punch.punch(SUPER, size - SUPER);
    } catch (IOException e) {
      return false; // only memory stays in use; the records there are all erased
    }
    touched = SUPER;
    tail = SUPER;
    map.set(LONG, HEAD_HINT, SUPER);
    map.set(LONG, TAIL_HINT, SUPER);
    return true;
  }

  /** Whether more than half of the ring is in use (until it is back under a quarter): everyone's pending data should be committed. */
  synchronized boolean pressed() {
    return pressed;
  }

  /** Bytes between the oldest live record and the tail (for tests and metrics). */
  synchronized long used() {
    return used;
  }

  /** Whether no record is live. */
  synchronized boolean empty() {
    return bySlice.isEmpty();
  }

  @Override
  public void close() {
    arena.close();
  }
}
