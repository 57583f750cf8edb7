package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Clock;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Slice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-inode cache keeps both of its bounds and expires on the injected clock. */
class InodeCacheTest {
  private static final long TTL = Duration.ofSeconds(1).toNanos();
  private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
  private final Clock clock = now::get;

  private static Attr attr(long length) {
    return new Attr(FileType.FILE, 0644, 0, 0, 1, 2, 3, 1, length, 0, 0, 1);
  }

  private static List<Slice> slices(int n) {
    List<Slice> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(new Slice(i * 10, i + 1, 10, 0, 10));
    }
    return l;
  }

  @Test
  void entries_areBoundedInNumber() {
    int max = 30_000; // does not divide the byte bound: the weight per entry must round up
    InodeCache c = new InodeCache(clock, TTL, max, 64L << 20);
    for (long ino = 2; ino < 100_000; ino++) {
      c.putSeen(ino, 1, 2);
    }
    assertThat(c.size()).isLessThanOrEqualTo(max);
  }

  @Test
  void entries_areBoundedInBytes_largeSliceListsWeighMore() {
    long maxBytes = 1L << 20;
    InodeCache c = new InodeCache(clock, TTL, 10_000, maxBytes);
    List<Slice> big = slices(2_000); // about 96 KB each
    for (long ino = 2; ino < 1_000; ino++) {
      c.putSlices(ino, 0, big, c.stamp(ino));
    }
    assertThat(c.bytes()).isLessThanOrEqualTo(maxBytes);
    assertThat(c.size()).as("far fewer than the entry bound").isBetween(1L, 20L);
  }

  @Test
  void attributesAndSlices_expireOnTheInjectedClock_pageCacheStateStays() {
    InodeCache c = new InodeCache(clock, TTL, 100, 64L << 20);
    c.putAttr(2, attr(5), c.stamp(2));
    c.putSlices(2, 0, slices(3), c.stamp(2));
    c.putAttr(3, attr(7), c.stamp(3));
    c.putSeen(3, 10, 7);
    assertThat(c.attr(2).length()).isEqualTo(5);
    assertThat(c.slices(2, 0)).hasSize(3);

    now.addAndGet(TTL - 1);
    assertThat(c.attr(2)).as("still trusted").isNotNull();
    now.addAndGet(1);
    assertThat(c.attr(2)).as("expired").isNull();
    assertThat(c.slices(2, 0)).isNull();
    assertThat(c.attr(3)).isNull();
    assertThat(c.size()).as("only the inode with page-cache state is kept").isEqualTo(1);
    assertThat(c.putSeen(3, 11, 7)).containsExactly(10, 7);
  }

  @Test
  void invalidate_dropsAttributesAndSlices_notThePageCacheState() {
    InodeCache c = new InodeCache(clock, TTL, 100, 64L << 20);
    c.putSeen(2, 10, 7);
    c.putAttr(2, attr(7), c.stamp(2));
    c.putSlices(2, 0, slices(1), c.stamp(2));
    c.invalidate(2);
    assertThat(c.attr(2)).isNull();
    assertThat(c.slices(2, 0)).isNull();
    assertThat(c.putSeen(2, 10, 7)).containsExactly(10, 7);
    c.forgetSeen(2);
    assertThat(c.size()).isZero();
  }

  @Test
  void aValueFetchedBeforeAnInvalidation_isNotCached() {
    InodeCache c = new InodeCache(clock, TTL, 100, 64L << 20);
    long stamp = c.stamp(2); // a reader starts fetching
    c.invalidate(2); // another thread commits a write
    c.putAttr(2, attr(5), stamp);
    c.putSlices(2, 0, slices(1), stamp);
    assertThat(c.attr(2)).as("the older attributes").isNull();
    assertThat(c.slices(2, 0)).as("the older slices").isNull();
    long after = c.stamp(2);
    c.putAttr(2, attr(6), after);
    assertThat(c.attr(2).length()).isEqualTo(6);
  }

  @Test
  void reopen_dropsTheCache_cachesWhatTheOpenRead_andRefusesEarlierFetches() {
    InodeCache c = new InodeCache(clock, TTL, 100, 64L << 20);
    c.putSlices(2, 0, slices(2), c.stamp(2));
    long readerStamp = c.stamp(2); // a reader on another handle starts fetching
    long openStamp = c.stamp(2);
    c.reopen(2, attr(9), openStamp);
    assertThat(c.slices(2, 0)).as("dropped at the open").isNull();
    assertThat(c.attr(2).length()).as("what the open read").isEqualTo(9);
    c.putSlices(2, 0, slices(1), readerStamp);
    assertThat(c.slices(2, 0)).as("fetched before the open: refused").isNull();

    long stale = c.stamp(2);
    c.invalidate(2); // this client committed between the open's fetch and its reopen
    c.reopen(2, attr(10), stale);
    assertThat(c.attr(2)).as("the open's attributes may be older than the commit").isNull();
  }
}
