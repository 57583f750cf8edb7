package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WriteJournal}: what a crashed process left is exactly the pieces of the slices it had not
 * finished, in order, whatever the ring went through; a full journal refuses instead of
 * overwriting; torn and erased records never come back.
 */
class WriteJournalTest {
  private static final long SIZE = WriteJournal.MIN_SIZE;
  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();
  private final AtomicInteger pressed = new AtomicInteger();
  private final List<long[]> punched = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  private FileChannel file() throws IOException {
    FileChannel ch = FileChannel.open(tmp.resolve("journal"), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    open.add(ch);
    return ch;
  }

  private WriteJournal create() throws IOException {
    WriteJournal j = WriteJournal.create(file(), SIZE, (o, l) -> punched.add(new long[] {o, l}), pressed::incrementAndGet);
    open.add(j);
    return j;
  }

  /** What the next process finds (this one's mapping stays: a crash leaves the file as it is). */
  private WriteJournal.Recovered recover() throws IOException {
    WriteJournal.Recovered r = WriteJournal.recover(file(), (o, l) -> {}, () -> {});
    open.add(r.journal());
    return r;
  }

  private static ByteBuffer bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return ByteBuffer.wrap(b);
  }

  private static List<Long> slices(List<WriteJournal.Piece> ps) {
    return ps.stream().map(WriteJournal.Piece::slice).toList();
  }

  @Test
  void theLivePieces_comeBackInOrder_withTheirPlaceAndBytes() throws IOException {
    WriteJournal j = create();
    assertThat(j.piece(7, 101, 0, 10, 0, bytes(100, 1))).isTrue();
    assertThat(j.piece(8, 102, 3, 0, 0, bytes(5000, 2))).isTrue();
    assertThat(j.piece(7, 103, -1, 0, 0, bytes(30, 3))).isTrue();
    assertThat(j.piece(7, 101, 0, 110, 0, bytes(20, 4))).isTrue();
    j.done(List.of(102L));

    List<WriteJournal.Piece> ps = recover().pieces();
    assertThat(slices(ps)).containsExactly(101L, 103L, 101L);
    assertThat(ps.get(0).ino()).isEqualTo(7);
    assertThat(ps.get(0).index()).isZero();
    assertThat(ps.get(0).pos()).isEqualTo(10);
    assertThat(ps.get(0).data()).isEqualTo(bytes(100, 1));
    assertThat(ps.get(1).index()).isEqualTo(-1);
    assertThat(ps.get(1).data()).isEqualTo(bytes(30, 3));
    assertThat(ps.get(2).pos()).isEqualTo(110);
    assertThat(ps.get(2).data()).isEqualTo(bytes(20, 4));
  }

  @Test
  void aPieceLargerThanARecord_takesSeveral_andComesBackWhole() throws IOException {
    WriteJournal j = create();
    int n = WriteJournal.MAX_PAYLOAD * 2 + 123;
    assertThat(j.piece(1, 5, 2, 17, 0, bytes(n, 9))).isTrue();
    List<WriteJournal.Piece> ps = recover().pieces();
    assertThat(ps).hasSize(3);
    ByteBuffer whole = ByteBuffer.allocate(n);
    for (WriteJournal.Piece p : ps) {
      assertThat(p.pos()).isEqualTo(17 + whole.position());
      whole.put(p.data().duplicate());
    }
    assertThat(whole.flip()).isEqualTo(bytes(n, 9));
  }

  @Test
  void aFullJournal_refuses_andRecordsNothingOfThatPiece() throws IOException {
    WriteJournal j = create();
    int n = 800 << 10;
    int taken = 0;
    while (j.piece(1, 10 + taken, 0, 0, 0, bytes(n, taken))) {
      taken++;
    }
    assertThat(taken).as("the 5 MiB ring takes a few 800 KiB pieces").isBetween(3, 7);
    assertThat(pressed.get()).as("asked for commits once above half").isEqualTo(1);
    assertThat(j.piece(2, 99, 0, 0, 0, bytes(3 * WriteJournal.MAX_PAYLOAD, 1))).as("a piece of three records finds room for at most one").isFalse();
    assertThat(slices(recover().pieces())).as("nothing of the refused pieces").doesNotContain(99L, 10L + taken);
    j.done(List.of(10L, 11L)); // the oldest are committed: room again, at the start of the ring
    assertThat(j.piece(1, 50, 0, 0, 0, bytes(n, 50))).isTrue();
    assertThat(slices(recover().pieces())).doesNotContain(10L, 11L).contains(50L, 12L);
  }

  @Test
  void theRingWrapsAroundLivePieces_andEveryRecoveryFindsExactlyThePending() throws IOException {
    WriteJournal j = create();
    Random r = new Random(42);
    List<Long> pending = new ArrayList<>();
    long next = 1;
    long written = 0;
    for (int round = 0; round < 400; round++) {
      long s = next++;
      int n = 20_000 + r.nextInt(200_000);
      assertThat(j.piece(s, s, 0, 0, 0, bytes(n, s))).as("round %d", round).isTrue();
      written += n;
      pending.add(s);
      while (pending.size() > 3 || (pending.size() > 1 && r.nextBoolean())) {
        j.done(List.of(pending.remove(r.nextInt(pending.size() - 1)))); // never the newest: a long-lived one wraps
      }
      if (round % 50 == 49) {
        assertThat(slices(recover().pieces())).as("round %d", round).containsExactlyElementsOf(pending);
      }
    }
    assertThat(written).as("the ring went round many times (never empty: no fresh start)").isGreaterThan(5 * SIZE);
  }

  @Test
  void tornAndErasedRecords_neverComeBack() throws IOException {
    WriteJournal j = create();
    j.piece(1, 1, 0, 0, 0, bytes(100_000, 1));
    j.done(List.of(1L)); // erased; the ring is empty, so the next record starts over it
    assertThat(punched).as("little memory: kept for reuse").isEmpty();
    j.piece(2, 2, 0, 0, 0, bytes(10, 2));
    j.piece(3, 3, 0, 0, 0, bytes(1000, 3));
    // A crash in the middle of writing slice 3's record: its last byte is not there yet.
    FileChannel ch = file();
    long at = WriteJournal.SUPER + ((WriteJournal.HEADER + 10 + 7) & ~7) + WriteJournal.HEADER + 999;
    ByteBuffer b = ByteBuffer.allocate(1);
    ch.read(b, at);
    ch.write(ByteBuffer.wrap(new byte[] {(byte) ~b.get(0)}), at);
    assertThat(slices(recover().pieces())).containsExactly(2L);
  }

  @Test
  void theMemoryOfTheRing_isReleasedOnceItStaysEmpty_andOnlyWhenItWasMuch() throws IOException {
    WriteJournal j = create();
    j.piece(1, 1, 0, 0, 0, bytes(WriteJournal.MAX_PAYLOAD, 1));
    j.piece(1, 2, 0, 0, 0, bytes(10, 2));
    j.done(List.of(1L));
    assertThat(j.releaseIdle(0, 10)).as("one piece is still live").isFalse();
    j.done(List.of(2L));
    assertThat(j.used()).isZero();
    assertThat(j.releaseIdle(100, 10)).as("empty from now on").isFalse();
    assertThat(j.releaseIdle(109, 10)).isFalse();
    assertThat(punched).isEmpty();
    assertThat(j.releaseIdle(110, 10)).isTrue();
    assertThat(punched).hasSize(1);
    assertThat(punched.getFirst()).containsExactly(WriteJournal.SUPER, SIZE - WriteJournal.SUPER);
    assertThat(j.releaseIdle(500, 10)).as("nothing used since").isFalse();
    j.piece(1, 3, 0, 0, 0, bytes(10, 3));
    assertThat(j.releaseIdle(1000, 10)).isFalse();
    j.done(List.of(3L));
    assertThat(j.releaseIdle(2000, 10)).isFalse();
    assertThat(j.releaseIdle(3000, 10)).as("little used: kept").isFalse();
    assertThat(punched).hasSize(1);
    j.piece(1, 4, 0, 0, 0, bytes(10, 4));
    assertThat(slices(recover().pieces())).containsExactly(4L);
  }

  @Test
  void aRecoveredJournal_goesOn_andForgetsWhatItsNewOwnerCommitted() throws IOException {
    WriteJournal j = create();
    j.piece(1, 1, 0, 0, 0, bytes(1000, 1));
    j.piece(1, 2, 0, 0, 0, bytes(1000, 2));
    WriteJournal.Recovered first = recover();
    assertThat(slices(first.pieces())).containsExactly(1L, 2L);
    WriteJournal k = first.journal();
    k.piece(4, 3, 0, 0, 0, bytes(500, 3)); // the new owner's own write, after the old ones
    k.done(List.of(1L, 2L)); // replayed and committed
    List<WriteJournal.Piece> ps = recover().pieces();
    assertThat(slices(ps)).containsExactly(3L);
    assertThat(ps.getFirst().data()).isEqualTo(bytes(500, 3));
  }

  @Test
  void aFileWithoutAJournal_isRefused() throws IOException {
    Files.write(tmp.resolve("journal"), new byte[(int) SIZE]);
    assertThatThrownBy(this::recover).isInstanceOf(IOException.class).hasMessageContaining("no write journal");
    Files.write(tmp.resolve("journal"), new byte[10]);
    assertThatThrownBy(this::recover).isInstanceOf(IOException.class).hasMessageContaining("missing, cut short");
  }
}
