package io.nectarfs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.object.CopyCapable;
import io.nectarfs.object.ListPage;
import io.nectarfs.object.MultipartCapable;
import io.nectarfs.object.ObjectInfo;
import io.nectarfs.object.ObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link ObjectStore}, bare or decorated, must show. A subclass supplies the
 * store through {@link #openStore(Path)}; each test works under a fresh random key prefix so the
 * suite can share a bucket with other runs.
 */
public abstract class ObjectStoreConformanceTest {
  /** Opens the store under test. Called before each test; closed after it. */
  protected abstract ObjectStore openStore(Path tmp) throws IOException;

  /**
   * Whether the store under test must offer multipart upload. Stores whose layers transform
   * content (compression, encryption, checksums) must not offer it, since parts cannot be
   * transformed independently.
   */
  protected boolean expectsMultipart() {
    return true;
  }

  /** Whether the store under test must offer server-side copy. */
  protected boolean expectsCopy() {
    return true;
  }

  @TempDir protected Path tmp;
  protected ObjectStore store;
  /** A key prefix unique to this test. */
  protected String p;

  private final Random random = new Random(42);

  @BeforeEach
  void openIt() throws IOException {
    store = openStore(tmp);
    p = "t" + UUID.randomUUID().toString().substring(0, 8) + "/";
  }

  @AfterEach
  void closeIt() throws IOException {
    if (store != null) {
      try {
        for (String k : store.listKeys(p)) {
          store.delete(k);
        }
      } finally {
        store.close();
      }
    }
  }

  protected byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  @Test
  void put_get_roundTripsSizes() throws IOException {
    for (int n : new int[] {0, 1, 4095, 65536 + 7, (4 << 20) + 3}) {
      byte[] b = bytes(n);
      store.put(p + "obj" + n, b);
      assertThat(store.getBytes(p + "obj" + n)).as("object of %d bytes", n).isEqualTo(b);
    }
  }

  @Test
  void put_streamed() throws IOException {
    byte[] b = bytes(3 << 20);
    store.put(p + "s", new ByteArrayInputStream(b) {
      @Override
      public synchronized int read(byte[] buf, int off, int len) {
        return super.read(buf, off, Math.min(len, 1000)); // trickle
      }
    }, b.length);
    assertThat(store.getBytes(p + "s")).isEqualTo(b);
  }

  /**
   * The gather put stores the concatenation of the buffers' remaining bytes, whatever their kind
   * (heap, direct, read-only), sizes (empty ones, pieces across 64 KiB boundaries) and positions,
   * and leaves every buffer as it was (contents, position, limit).
   */
  @Test
  void put_gather_storesTheConcatenationAndLeavesTheBuffers() throws IOException {
    for (int n : new int[] {0, 1, 65536, 65536 + 7, (4 << 20) + 3}) {
      byte[] b = bytes(n);
      List<ByteBuffer> parts = new ArrayList<>();
      int pos = 0;
      for (int i = 0; pos < n || i == 0; i++) {
        int k = Math.min(n - pos, i % 3 == 0 ? 4093 : 65536);
        ByteBuffer part = switch (i % 4) {
          case 0 -> ByteBuffer.allocateDirect(k + 10).position(3);
          case 1 -> ByteBuffer.allocate(k + 5).position(5);
          case 2 -> ByteBuffer.allocateDirect(k);
          default -> ByteBuffer.allocate(k + 2).position(1);
        };
        part.put(part.position(), b, pos, k).limit(part.position() + k);
        parts.add(i % 5 == 4 ? part.asReadOnlyBuffer() : part);
        parts.add(ByteBuffer.allocate(0));
        pos += k;
      }
      List<ByteBuffer> before = parts.stream().map(ByteBuffer::duplicate).toList();
      store.put(p + "g" + n, parts);
      assertThat(store.getBytes(p + "g" + n)).as("gathered object of %d bytes", n).isEqualTo(b);
      assertThat(store.head(p + "g" + n).size()).isEqualTo(n);
      for (int i = 0; i < parts.size(); i++) {
        assertThat(parts.get(i).position()).isEqualTo(before.get(i).position());
        assertThat(parts.get(i).limit()).isEqualTo(before.get(i).limit());
      }
    }
    store.put(p + "none", List.of());
    assertThat(store.getBytes(p + "none")).isEmpty();
  }

  @Test
  void put_gather_replacesAndRangesRead() throws IOException {
    store.put(p + "k", bytes(100));
    byte[] b = bytes(200_000);
    store.put(p + "k", List.of(ByteBuffer.wrap(b, 0, 70_000), ByteBuffer.wrap(b, 70_000, 130_000)));
    assertThat(store.getBytes(p + "k", 65_000, 10_000)).isEqualTo(Arrays.copyOfRange(b, 65_000, 75_000));
  }

  @Test
  void put_shortInput_failsAndStoresNothing() throws IOException {
    assertThatThrownBy(() -> store.put(p + "short", new ByteArrayInputStream(bytes(10)), 20))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> store.head(p + "short")).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void put_replacesExisting() throws IOException {
    store.put(p + "k", bytes(100));
    byte[] b = bytes(7);
    store.put(p + "k", b);
    assertThat(store.getBytes(p + "k")).isEqualTo(b);
    assertThat(store.head(p + "k").size()).isEqualTo(7);
  }

  @Test
  void get_missing_throwsNoSuchFileNamingKey() {
    assertThatThrownBy(() -> store.getBytes(p + "missing"))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(p + "missing");
  }

  @Test
  void get_largeRangesOfAKnownLength() throws IOException {
    byte[] b = bytes(1_300_000); // a block-sized read: several checksum windows, segments of any size
    store.put(p + "big", b);
    assertThat(store.getBytes(p + "big", 0, b.length)).isEqualTo(b);
    assertThat(store.getBytes(p + "big", 0, b.length + 4096)).as("longer than the object").isEqualTo(b);
    for (int off : new int[] {1, 65_535, 65_536, 300_001, 1_000_000}) {
      for (int len : new int[] {262_145, 700_000, b.length}) {
        int end = (int) Math.min(b.length, (long) off + len);
        assertThat(store.getBytes(p + "big", off, len)).as("%d+%d", off, len).isEqualTo(Arrays.copyOfRange(b, off, end));
      }
    }
    assertThat(store.getBytes(p + "big", b.length, 500_000)).as("offset at end").isEmpty();
  }

  @Test
  void read_largeRangesIntoHeapBuffers_atTheirPositionAndArrayOffset() throws IOException {
    byte[] b = bytes(1_300_000); // a whole block read into a reused array: several checksum windows
    store.put(p + "bigr", b);
    byte[] backing = new byte[1_400_000];
    java.util.Arrays.fill(backing, (byte) 0x5a);
    for (int off : new int[] {0, 1, 65_536, 300_001}) {
      for (int len : new int[] {262_145, 700_000, b.length}) {
        java.util.Arrays.fill(backing, (byte) 0x5a);
        // a slice: its array offset is 7, its position 3, so the bytes go to backing[10...]
        java.nio.ByteBuffer dst = java.nio.ByteBuffer.wrap(backing, 7, 1_390_000).slice();
        dst.position(3).limit(3 + len);
        int end = (int) Math.min(b.length, (long) off + len);
        assertThat(store.read(p + "bigr", off, dst)).as("%d+%d", off, len).isEqualTo(end - off);
        assertThat(dst.position()).isEqualTo(3 + end - off);
        assertThat(Arrays.copyOfRange(backing, 10, 10 + end - off)).as("%d+%d", off, len).isEqualTo(Arrays.copyOfRange(b, off, end));
        assertThat(backing[9]).as("nothing before the position").isEqualTo((byte) 0x5a);
        assertThat(backing[10 + end - off]).as("nothing after the bytes read").isEqualTo((byte) 0x5a);
      }
    }
    assertThat(store.read(p + "bigr", b.length, java.nio.ByteBuffer.allocate(500_000))).as("offset at end").isZero();
    assertThatThrownBy(() -> store.read(p + "missing-big", 0, java.nio.ByteBuffer.allocate(500_000)))
        .isInstanceOf(NoSuchFileException.class).hasMessageContaining(p + "missing-big");
  }

  @Test
  void get_ranges() throws IOException {
    byte[] b = bytes(100_000);
    store.put(p + "r", b);
    assertThat(store.getBytes(p + "r", 0, 10)).isEqualTo(Arrays.copyOfRange(b, 0, 10));
    assertThat(store.getBytes(p + "r", 99_990, 10)).isEqualTo(Arrays.copyOfRange(b, 99_990, 100_000));
    assertThat(store.getBytes(p + "r", 50_000, -1)).isEqualTo(Arrays.copyOfRange(b, 50_000, 100_000));
    assertThat(store.getBytes(p + "r", 99_995, 100)).as("range past end is cut").isEqualTo(Arrays.copyOfRange(b, 99_995, 100_000));
    assertThat(store.getBytes(p + "r", 100_000, 10)).as("offset at end").isEmpty();
    assertThat(store.getBytes(p + "r", 1234, 0)).as("empty range").isEmpty();
    for (int i = 0; i < 20; i++) {
      int off = random.nextInt(100_000);
      int len = random.nextInt(100_000 - off) + 1;
      assertThat(store.getBytes(p + "r", off, len)).isEqualTo(Arrays.copyOfRange(b, off, off + len));
    }
  }

  @Test
  void read_fillsTheBufferFromItsPosition_shortAtTheEnd() throws IOException {
    byte[] b = bytes(100_000);
    store.put(p + "rb", b);
    for (boolean direct : new boolean[] {false, true}) {
      java.nio.ByteBuffer dst = direct ? java.nio.ByteBuffer.allocateDirect(9000) : java.nio.ByteBuffer.allocate(9000);
      dst.position(100).limit(4196);
      assertThat(store.read(p + "rb", 70_000, dst)).isEqualTo(4096);
      assertThat(dst.position()).isEqualTo(4196);
      byte[] got = new byte[4096];
      dst.get(100, got);
      assertThat(got).as("direct %s", direct).isEqualTo(Arrays.copyOfRange(b, 70_000, 74_096));
      dst.clear();
      assertThat(store.read(p + "rb", 99_000, dst)).as("short at the end").isEqualTo(1000);
      byte[] tail = new byte[1000];
      dst.get(0, tail);
      assertThat(tail).isEqualTo(Arrays.copyOfRange(b, 99_000, 100_000));
      dst.clear();
      assertThat(store.read(p + "rb", 100_000, dst)).as("at the end").isZero();
      assertThat(store.read(p + "rb", 200_000, dst)).as("past the end").isZero();
    }
    for (int i = 0; i < 20; i++) {
      int off = random.nextInt(100_000);
      int len = random.nextInt(Math.min(9000, 100_000 - off)) + 1;
      java.nio.ByteBuffer dst = java.nio.ByteBuffer.allocateDirect(len);
      assertThat(store.read(p + "rb", off, dst)).isEqualTo(len);
      byte[] got = new byte[len];
      dst.flip().get(got);
      assertThat(got).isEqualTo(Arrays.copyOfRange(b, off, off + len));
    }
    assertThatThrownBy(() -> store.read(p + "missing", 0, java.nio.ByteBuffer.allocate(10)))
        .isInstanceOf(NoSuchFileException.class).hasMessageContaining(p + "missing");
  }

  @Test
  void get_rangeOfEmptyObject() throws IOException {
    store.put(p + "empty", new byte[0]);
    assertThat(store.getBytes(p + "empty", 0, -1)).isEmpty();
    assertThat(store.getBytes(p + "empty", 0, 10)).isEmpty();
    assertThat(store.head(p + "empty").size()).isZero();
  }

  @Test
  void delete_isIdempotent() throws IOException {
    store.put(p + "d", bytes(10));
    store.delete(p + "d");
    store.delete(p + "d");
    store.delete(p + "never-existed");
    assertThatThrownBy(() -> store.getBytes(p + "d")).isInstanceOf(NoSuchFileException.class);
    assertThat(store.listKeys(p)).isEmpty();
  }

  @Test
  void head_reportsSizeAndTime() throws IOException {
    Instant before = Instant.now().minusSeconds(5);
    store.put(p + "h", bytes(12345));
    ObjectInfo o = store.head(p + "h");
    assertThat(o.key()).isEqualTo(p + "h");
    assertThat(o.size()).isEqualTo(12345);
    assertThat(o.mtime()).isAfter(before).isBefore(Instant.now().plusSeconds(60));
    assertThatThrownBy(() -> store.head(p + "nope")).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void keys_withSpecialCharacters() throws IOException {
    List<String> names = List.of("a b", "plus+sign", "percent%20", "q?x=1", "hash#x", "ünïcödé-日本", "tilde~", "semi;colon", "quote'\"", "amp&and");
    for (String n : names) {
      byte[] b = n.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      store.put(p + n, b);
      assertThat(store.getBytes(p + n)).as(n).isEqualTo(b);
      assertThat(store.head(p + n).size()).isEqualTo(b.length);
    }
    assertThat(store.listKeys(p)).containsExactlyElementsOf(names.stream().map(n -> p + n).sorted().toList());
  }

  @Test
  void keys_invalid_areRejected() {
    assertThatThrownBy(() -> store.put("", new byte[1])).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.put(p + "nul\0x", new byte[1])).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void list_sortedWithPrefix() throws IOException {
    List<String> keys = new ArrayList<>();
    for (String k : List.of("b", "a", "a/1", "a/2", "a-x", "a0", "c/d/e", "ab")) {
      // file storage cannot hold both "a" and "a/1"; keep the set valid on every backend
      if (k.equals("a")) {
        continue;
      }
      store.put(p + k, bytes(3));
      keys.add(p + k);
    }
    keys.sort(String::compareTo);
    assertThat(store.listKeys(p)).containsExactlyElementsOf(keys);
    assertThat(store.listKeys(p + "a")).containsExactly(p + "a-x", p + "a/1", p + "a/2", p + "a0", p + "ab");
    assertThat(store.listKeys(p + "a/")).containsExactly(p + "a/1", p + "a/2");
    assertThat(store.listKeys(p + "zzz")).isEmpty();
    ListPage page = store.list(p, "", "", 1000);
    assertThat(page.objects()).extracting(ObjectInfo::size).containsOnly(3L);
  }

  @Test
  void list_startAfterAndPagination() throws IOException {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      String k = p + String.format("k%03d", i);
      store.put(k, bytes(1));
      keys.add(k);
    }
    ListPage first = store.list(p, "", "", 10);
    assertThat(first.objects()).extracting(ObjectInfo::key).containsExactlyElementsOf(keys.subList(0, 10));
    assertThat(first.truncated()).isTrue();
    List<String> all = new ArrayList<>();
    String after = "";
    int pages = 0;
    while (true) {
      ListPage pg = store.list(p, after, "", 7);
      pg.objects().forEach(o -> all.add(o.key()));
      pages++;
      if (!pg.truncated()) {
        break;
      }
      after = pg.nextStartAfter();
    }
    assertThat(all).containsExactlyElementsOf(keys);
    assertThat(pages).isBetween(4, 5);
    assertThat(store.list(p, keys.get(20), "", 100).objects()).extracting(ObjectInfo::key).containsExactlyElementsOf(keys.subList(21, 25));
    assertThat(store.list(p, p + "k0105", "", 100).objects()).extracting(ObjectInfo::key).containsExactlyElementsOf(keys.subList(11, 25));
  }

  @Test
  void list_delimiterRollsUpPrefixes() throws IOException {
    for (String k : List.of("top1", "dir1/a", "dir1/b", "dir1/sub/c", "dir2/x", "top2")) {
      store.put(p + k, bytes(2));
    }
    ListPage pg = store.list(p, "", "/", 1000);
    assertThat(pg.objects()).extracting(ObjectInfo::key).containsExactly(p + "top1", p + "top2");
    assertThat(pg.commonPrefixes()).containsExactly(p + "dir1/", p + "dir2/");
    assertThat(pg.truncated()).isFalse();
    ListPage sub = store.list(p + "dir1/", "", "/", 1000);
    assertThat(sub.objects()).extracting(ObjectInfo::key).containsExactly(p + "dir1/a", p + "dir1/b");
    assertThat(sub.commonPrefixes()).containsExactly(p + "dir1/sub/");
    // Paging over prefixes and objects together.
    List<String> seen = new ArrayList<>();
    String after = "";
    while (true) {
      ListPage page = store.list(p, after, "/", 1);
      page.objects().forEach(o -> seen.add(o.key()));
      seen.addAll(page.commonPrefixes());
      if (!page.truncated()) {
        break;
      }
      after = page.nextStartAfter();
    }
    assertThat(seen).containsExactly(p + "dir1/", p + "dir2/", p + "top1", p + "top2");
  }

  @Test
  void put_isAtomicForConcurrentReaders() throws Exception {
    byte[] a = new byte[1 << 20];
    byte[] b = new byte[1 << 20];
    Arrays.fill(a, (byte) 'a');
    Arrays.fill(b, (byte) 'b');
    store.put(p + "atomic", a);
    AtomicBoolean stop = new AtomicBoolean();
    try (ExecutorService ex = Executors.newFixedThreadPool(3)) {
      Future<?> writer = ex.submit(() -> {
        for (int i = 0; i < 20; i++) {
          store.put(p + "atomic", i % 2 == 0 ? b : a);
        }
        stop.set(true);
        return null;
      });
      List<Future<Integer>> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        readers.add(ex.submit(() -> {
          int reads = 0;
          while (!stop.get()) {
            byte[] got = store.getBytes(p + "atomic");
            assertThat(got.length).isEqualTo(1 << 20);
            byte first = got[0];
            for (byte x : got) {
              if (x != first) {
                throw new AssertionError("mixed content seen by a reader");
              }
            }
            reads++;
          }
          return reads;
        }));
      }
      writer.get();
      for (Future<Integer> f : readers) {
        f.get();
      }
    }
  }

  @Test
  void concurrentPutsAndGets_ofDistinctKeys() throws Exception {
    try (ExecutorService ex = Executors.newFixedThreadPool(8)) {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int id = t;
        fs.add(ex.submit(() -> {
          Random r = new Random(id);
          for (int i = 0; i < 10; i++) {
            byte[] d = new byte[r.nextInt(200_000)];
            r.nextBytes(d);
            String k = p + "c" + id + "-" + i;
            store.put(k, d);
            assertThat(store.getBytes(k)).isEqualTo(d);
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    }
    assertThat(store.listKeys(p)).hasSize(80);
  }

  @Test
  void copy_whenSupported() throws IOException {
    assertThat(store.capability(CopyCapable.class).isPresent()).as("offers copy").isEqualTo(expectsCopy());
    if (!expectsCopy()) {
      return;
    }
    CopyCapable copier = store.capability(CopyCapable.class).orElseThrow();
    byte[] b = bytes(70_000);
    store.put(p + "src", b);
    copier.copy(p + "src", p + "dst");
    assertThat(store.getBytes(p + "dst")).isEqualTo(b);
    assertThat(store.getBytes(p + "src")).isEqualTo(b);
    assertThatThrownBy(() -> copier.copy(p + "nosuch", p + "dst2")).isInstanceOf(NoSuchFileException.class);
  }

  /** A capability the stack does not know is refused by every layer, so none can bypass a layer. */
  interface UnknownCapability {}

  @Test
  void capability_unknownIsEmpty_andAnswersAreStable() {
    assertThat(store.capability(UnknownCapability.class)).isEmpty();
    assertThat(store.capability(CopyCapable.class).isPresent()).isEqualTo(expectsCopy());
    assertThat(store.capability(MultipartCapable.class).isPresent()).isEqualTo(expectsMultipart());
  }

  @Test
  void multipart_whenSupported() throws IOException {
    assertThat(store.capability(MultipartCapable.class).isPresent()).as("offers multipart upload").isEqualTo(expectsMultipart());
    if (!expectsMultipart()) {
      return;
    }
    MultipartCapable mp = store.capability(MultipartCapable.class).orElseThrow();
    int partSize = (int) mp.minPartSize();
    byte[] one = bytes(partSize);
    byte[] two = bytes(partSize + 1);
    byte[] three = bytes(1000);
    String key = p + "big";
    String id = mp.createMultipart(key);
    assertThat(mp.listMultipart(key)).contains(id);
    var p2 = mp.uploadPart(key, id, 2, new ByteArrayInputStream(two), two.length);
    var p1 = mp.uploadPart(key, id, 1, new ByteArrayInputStream(one), one.length);
    var p3 = mp.uploadPart(key, id, 3, new ByteArrayInputStream(three), three.length);
    assertThatThrownBy(() -> store.head(key)).as("invisible before completion").isInstanceOf(NoSuchFileException.class);
    mp.completeMultipart(key, id, List.of(p1, p2, p3));
    byte[] all = new byte[one.length + two.length + three.length];
    System.arraycopy(one, 0, all, 0, one.length);
    System.arraycopy(two, 0, all, one.length, two.length);
    System.arraycopy(three, 0, all, one.length + two.length, three.length);
    assertThat(store.head(key).size()).isEqualTo(all.length);
    try (InputStream in = store.get(key, 0, -1)) {
      assertThat(in.readAllBytes()).isEqualTo(all);
    }
    assertThat(store.getBytes(key, partSize - 10, 20)).isEqualTo(Arrays.copyOfRange(all, partSize - 10, partSize + 10));
    assertThat(mp.listMultipart(key)).doesNotContain(id);

    String aborted = mp.createMultipart(p + "aborted");
    mp.uploadPart(p + "aborted", aborted, 1, new ByteArrayInputStream(three), three.length);
    mp.abortMultipart(p + "aborted", aborted);
    mp.abortMultipart(p + "aborted", aborted);
    assertThatThrownBy(() -> store.head(p + "aborted")).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> mp.uploadPart(p + "aborted", aborted, 2, new ByteArrayInputStream(three), three.length))
        .isInstanceOf(NoSuchFileException.class);
  }
}
