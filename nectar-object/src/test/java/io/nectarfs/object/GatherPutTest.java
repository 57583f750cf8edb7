package io.nectarfs.object;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Secrets;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A block given as buffers reaches the backend of a decorated stack as buffers: no layer turns it
 * into a stream or a joined array (each would be a copy of the block). Counts, not times.
 */
class GatherPutTest {
  /** A backend that counts which put form reached it. */
  static final class Forms extends ForwardingStore {
    final AtomicInteger gathered = new AtomicInteger();
    final AtomicInteger arrays = new AtomicInteger();
    final AtomicInteger streams = new AtomicInteger();
    volatile byte[] lastRead;

    Forms() {
      super(MemStore.named(""));
    }

    @Override
    public void put(String key, List<ByteBuffer> parts) throws IOException {
      gathered.incrementAndGet();
      next.put(key, parts);
    }

    @Override
    public void put(String key, byte[] data) throws IOException {
      arrays.incrementAndGet();
      next.put(key, data);
    }

    @Override
    public void put(String key, InputStream data, long length) throws IOException {
      streams.incrementAndGet();
      next.put(key, data, length);
    }

    @Override
    public byte[] getBytes(String key, long off, long len) throws IOException {
      return lastRead = next.getBytes(key, off, len);
    }
  }

  private static final Forms[] last = new Forms[1];

  private static ObjectStore open(StoreOptions o) throws IOException {
    ObjectStoreProvider p = new ObjectStoreProvider() {
      @Override
      public Set<String> schemes() {
        return Set.of("count");
      }

      @Override
      public ObjectStore open(String url, Secrets secrets) {
        return last[0] = new Forms();
      }
    };
    return ObjectStores.of(List.of(p)).open("count://x", o, Secrets.fromEnvironment());
  }

  private static List<ByteBuffer> pages(byte[] block) {
    List<ByteBuffer> out = new ArrayList<>();
    for (int off = 0; off < block.length; off += 64 << 10) {
      ByteBuffer d = ByteBuffer.allocateDirect(Math.min(64 << 10, block.length - off));
      d.put(0, block, off, d.capacity());
      out.add(d);
    }
    return out;
  }

  @Test
  void defaultStackWithChecksum_passesTheBuffersDown() throws IOException {
    for (StoreOptions o : List.of(StoreOptions.defaults().withChecksum(true), StoreOptions.defaults().withPrefix("v/").withShards(1),
        StoreOptions.defaults().withCompression(StoreOptions.Compression.LZ4), StoreOptions.defaults().withCompression(StoreOptions.Compression.ZSTD))) {
      try (ObjectStore s = open(o)) {
        byte[] block = new byte[(4 << 20) + 5];
        new Random(7).nextBytes(block);
        s.put("chunks/1", pages(block));
        Forms f = last[0];
        assertThat(f.gathered.get()).as("gather puts at the backend under %s", s.describe()).isEqualTo(1);
        assertThat(f.arrays.get() + f.streams.get()).as("array or stream puts under %s", s.describe()).isZero();
        assertThat(s.getBytes("chunks/1")).isEqualTo(block);
      }
    }
  }

  @Test
  void getBytes_throughAStackThatDoesNotTransform_isTheBackendsArray_notACopy() throws IOException {
    for (StoreOptions o : List.of(StoreOptions.defaults(), StoreOptions.defaults().withPrefix("v/").withShards(1))) {
      try (ObjectStore s = open(o)) {
        byte[] block = new byte[(4 << 20) + 5];
        new Random(8).nextBytes(block);
        s.put("chunks/2", block);
        byte[] read = s.getBytes("chunks/2");
        assertThat(read).isEqualTo(block);
        assertThat(read).as("the array read under %s", s.describe()).isSameAs(last[0].lastRead);
      }
    }
  }

  @Test
  void buffersStream_readsTheConcatenation_eachStreamFromTheStart() throws IOException {
    ByteBuffer a = ByteBuffer.wrap(new byte[] {9, 1, 2}).position(1);
    List<ByteBuffer> parts = List.of(a, ByteBuffer.allocate(0), ByteBuffer.allocateDirect(1).put(0, (byte) 3));
    assertThat(Buffers.stream(parts).readAllBytes()).containsExactly(1, 2, 3);
    assertThat(Buffers.stream(parts).readAllBytes()).containsExactly(1, 2, 3);
    assertThat(a.position()).isEqualTo(1);
  }
}
