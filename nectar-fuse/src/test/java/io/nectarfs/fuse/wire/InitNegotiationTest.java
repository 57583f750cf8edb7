package io.nectarfs.fuse.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InitNegotiationTest {
  /** What kernel 6.18 offers (measured): 7.45, flags 0x73fffffb, flags2 0x5fd. */
  static final InitNegotiation.Offer KERNEL_6_18 =
      new InitNegotiation.Offer(7, 45, 131072, 0x73fffffbL | (0x5fdL << 32));

  static InitNegotiation.Wanted wanted(int maxWrite, int pagesLimit, boolean writeback) {
    return new InitNegotiation.Wanted(maxWrite, 1 << 20, pagesLimit, 64, 48, writeback, false, true, false);
  }

  @Test
  void modernKernel_getsMinor39_1MiBWrites_andTheFeaturesWeAskFor() {
    InitState s = InitNegotiation.negotiate(KERNEL_6_18, wanted(1 << 20, 256, false));
    assertThat(s.minor()).isEqualTo(39);
    assertThat(s.kernelMinor()).isEqualTo(45);
    assertThat(s.maxWrite()).isEqualTo(1 << 20);
    assertThat(s.maxPages()).isEqualTo(256);
    assertThat(s.maxReadahead()).isEqualTo(131072);
    for (long f : new long[] {Proto.ASYNC_READ, Proto.BIG_WRITES, Proto.PARALLEL_DIROPS, Proto.DO_READDIRPLUS,
        Proto.READDIRPLUS_AUTO, Proto.POSIX_LOCKS, Proto.FLOCK_LOCKS, Proto.EXPORT_SUPPORT,
        Proto.ATOMIC_O_TRUNC, Proto.MAX_PAGES, Proto.DONT_MASK, Proto.HANDLE_KILLPRIV_V2}) {
      assertThat(s.has(f)).as("flag %x", f).isTrue();
    }
    assertThat(s.has(Proto.AUTO_INVAL_DATA)).as("open decides about cached pages instead").isFalse();
    assertThat(s.has(Proto.WRITEBACK_CACHE)).isFalse();
    assertThat(s.has(Proto.POSIX_ACL)).isFalse();
    assertThat(s.flags() >>> 32).as("flags2: only direct-I/O mmap").isEqualTo(Proto.DIRECT_IO_ALLOW_MMAP >>> 32);
    assertThat(s.has(Proto.INIT_EXT)).isTrue();
    assertThat(InitNegotiation.negotiate(KERNEL_6_18, wanted(1 << 20, 256, true)).has(Proto.WRITEBACK_CACHE)).isTrue();
  }

  @Test
  void passthrough_isAskedWithMaxStackDepth1_butNotWithTheWritebackCache() {
    InitNegotiation.Wanted w = new InitNegotiation.Wanted(1 << 20, 1 << 20, 256, 64, 48, false, false, true, true);
    InitState s = InitNegotiation.negotiate(KERNEL_6_18, w);
    assertThat(s.has(Proto.PASSTHROUGH)).isTrue();
    Buf b = new Buf(8192);
    InitNegotiation.encode(s, new Reply(b));
    assertThat(b.bytes().getInt(16 + 32)).isEqualTo((int) ((Proto.DIRECT_IO_ALLOW_MMAP | Proto.PASSTHROUGH) >>> 32)); // flags2
    assertThat(b.bytes().getInt(16 + 36)).as("max_stack_depth").isEqualTo(1);
    InitNegotiation.Wanted wb = new InitNegotiation.Wanted(1 << 20, 1 << 20, 256, 64, 48, true, false, true, true);
    assertThat(InitNegotiation.negotiate(KERNEL_6_18, wb).has(Proto.PASSTHROUGH)).isFalse();
    var noOffer = new InitNegotiation.Offer(7, 45, 131072, 0x73fffffbL | ((0x5fdL & ~(Proto.PASSTHROUGH >>> 32)) << 32));
    InitState s2 = InitNegotiation.negotiate(noOffer, w);
    assertThat(s2.has(Proto.PASSTHROUGH)).isFalse();
    InitNegotiation.encode(s2, new Reply(b));
    assertThat(b.bytes().getInt(16 + 36)).isZero();
  }

  @Test
  void maxWrite_cappedByMaxPagesLimit_orBy128KiBWithoutMaxPages() {
    assertThat(InitNegotiation.negotiate(KERNEL_6_18, wanted(4 << 20, 64, false)).maxWrite()).isEqualTo(256 << 10);
    var old = new InitNegotiation.Offer(7, 26, 131072, Proto.ASYNC_READ | Proto.BIG_WRITES);
    InitState s = InitNegotiation.negotiate(old, wanted(1 << 20, 256, false));
    assertThat(s.minor()).isEqualTo(26);
    assertThat(s.maxWrite()).isEqualTo(128 << 10);
    assertThat(s.maxPages()).isZero();
    assertThat(s.flags()).isEqualTo(Proto.ASYNC_READ | Proto.BIG_WRITES);
  }

  @Test
  void ioUring_isAnsweredOnlyWhenTheKernelOffersIt_inFlags2() {
    InitState plain = InitNegotiation.negotiate(KERNEL_6_18, wanted(1 << 20, 256, false));
    assertThat(InitNegotiation.withIoUring(plain)).as("enable_uring off: not offered").isEqualTo(plain);
    var offered = new InitNegotiation.Offer(7, 45, 131072, KERNEL_6_18.flags() | Proto.OVER_IO_URING);
    InitState s = InitNegotiation.withIoUring(InitNegotiation.negotiate(offered, wanted(1 << 20, 256, false)));
    assertThat(s.has(Proto.OVER_IO_URING)).isTrue();
    assertThat(InitNegotiation.negotiate(offered, wanted(1 << 20, 256, false)).has(Proto.OVER_IO_URING))
        .as("never without asking").isFalse();
    Buf b = new Buf(8192);
    Reply out = new Reply(b);
    InitNegotiation.encode(s, out);
    out.finish(1, 0);
    assertThat(b.bytes().getInt(Proto.OUT_HEADER + 24 + 8) & (1 << 9)).as("flags2 bit 9 in fuse_init_out").isNotZero();
  }

  @Test
  void tooOldKernel_isRefused() {
    assertThatThrownBy(() -> InitNegotiation.negotiate(new InitNegotiation.Offer(7, 8, 0, 0), wanted(1 << 20, 256, false)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too old");
  }

  @Test
  void initOut_isSizedForTheMinor_andStateRoundTrips() {
    Buf b = new Buf(8192);
    InitState s = InitNegotiation.negotiate(KERNEL_6_18, wanted(1 << 20, 256, false));
    Reply out = new Reply(b);
    assertThat(InitNegotiation.encode(s, out)).isEqualTo(64);
    assertThat(out.length()).isEqualTo(16 + 64);
    assertThat(b.bytes().getInt(16 + 20)).isEqualTo(1 << 20); // max_write
    assertThat(b.bytes().getShort(16 + 28)).isEqualTo((short) 256); // max_pages
    assertThat(b.bytes().getInt(16 + 12) & (int) Proto.INIT_EXT).isNotZero(); // flags say: read flags2
    assertThat(b.bytes().getInt(16 + 32)).isEqualTo((int) (Proto.DIRECT_IO_ALLOW_MMAP >>> 32)); // flags2
    InitState s22 = InitNegotiation.negotiate(new InitNegotiation.Offer(7, 22, 4096, 0), wanted(1 << 20, 256, false));
    assertThat(InitNegotiation.encode(s22, new Reply(b))).isEqualTo(24);
    assertThat(InitState.decode(s.encode())).isEqualTo(s);
  }

  @Test
  void decode_readsFlags2OnlyWithInitExt() {
    Buf b = new Buf(8192);
    var bb = b.bytes();
    bb.putInt(0, 104).putInt(4, Opcode.INIT).putLong(8, 1);
    bb.putInt(40, 7).putInt(44, 45).putInt(48, 131072).putInt(52, 0x73fffffb).putInt(56, 0x5fd);
    InitNegotiation.Offer o = InitNegotiation.decode(Request.parse(b, 104));
    assertThat(o).isEqualTo(KERNEL_6_18);
  }
}
