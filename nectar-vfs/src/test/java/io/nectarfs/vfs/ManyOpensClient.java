package io.nectarfs.vfs;

import static io.nectarfs.common.OpenFlags.O_RDONLY;

import io.nectarfs.chunk.ChunkConfig;
import io.nectarfs.chunk.ChunkStores;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The client side of {@link ManyOpensHeapTest}, run in its own small-heap JVM: opens and closes
 * inodes {@code 2 .. 2+count-1} one after the other, reading every tenth (the metadata is in a SQLite file, not
 * in this heap) and prints the retained heap after a full collection at each checkpoint:
 * {@code HEAP <opens> <bytes> <cached inodes> <cached bytes>}.
 *
 * <p>Arguments: meta URL, storage URL, count, checkpoints (comma-separated open counts).
 */
public final class ManyOpensClient {
  private ManyOpensClient() {}

  public static void main(String[] args) throws Exception {
    String metaUrl = args[0];
    String storeUrl = args[1];
    int count = Integer.parseInt(args[2]);
    java.util.Set<Integer> checkpoints = new java.util.HashSet<>();
    for (String c : args[3].split(",")) {
      checkpoints.add(Integer.parseInt(c));
    }
    Secrets secrets = new Secrets(Map.of());
    MetaClient meta = MetaClient.open(metaUrl, MetaConfig.defaults(), secrets);
    var chunks = ChunkStores.open(ObjectStores.registry().open(storeUrl, StoreOptions.raw(), secrets), ChunkConfig.inMemory(1 << 20));
    // Default cache bounds; no access-time writes, so the opens only read the metadata.
    try (Vfs vfs = Vfses.open(meta, chunks, VfsConfig.defaults().withAtimeMode(AtimeMode.NOATIME))) {
      ByteBuffer buf = ByteBuffer.allocate(256);
      for (int i = 1; i <= count; i++) {
        long ino = 1 + i;
        long fh = vfs.open(Ctx.ROOT, ino, O_RDONLY);
        if (i % 10 == 0) { // (every read costs a metadata round trip for the slices: not all, to keep the test short)
          buf.clear();
          int n = vfs.read(Ctx.ROOT, ino, fh, 0, buf);
          if (n != ManyOpensHeapTest.FILE_LENGTH) {
            throw new IllegalStateException("inode " + ino + ": read " + n + " bytes");
          }
        }
        vfs.release(Ctx.ROOT, ino, fh);
        if (checkpoints.contains(i)) {
          InodeCache cache = ((VfsImpl) vfs).cache();
          System.out.println("HEAP " + i + " " + retainedHeap() + " " + cache.size() + " " + cache.bytes());
          System.out.flush();
        }
      }
    }
  }

  /** Heap in use after full collections (the serial collector's System.gc() is one). */
  static long retainedHeap() {
    var mem = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) { // until it stops shrinking (reference processing can free more)
      System.gc();
      long now = mem.getHeapMemoryUsage().getUsed();
      if (now >= used) {
        break;
      }
      used = now;
    }
    return used;
  }
}
