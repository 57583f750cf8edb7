package io.nectarfs.gateway.s3.store;

import io.nectarfs.common.Ctx;
import io.nectarfs.fs.FileApi;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Not a test: what the metadata xattr costs. PUT through the store (temporary, xattr, rename) vs
 * a plain create+write on the file API, and HEAD (stat + xattr) vs a bare stat, interleaved in
 * rounds. Run: {@code java -cp <test classpath> io.nectarfs.gateway.s3.store.MetaCostMeasure [n]}.
 */
public final class MetaCostMeasure {
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    Path dir = Files.createTempDirectory("s3-meta-cost");
    Ctx ctx = Ctx.ROOT;
    try (StoreFixture f = new StoreFixture(dir)) {
      f.store.createBucket(ctx, "bkt");
      FileApi fs = f.fs();
      fs.mkdir(ctx, "/bkt/p", 0755);
      byte[] data = new byte[1024];
      long put = 0;
      long plain = 0;
      long head = 0;
      long stat = 0;
      for (int round = 0; round < 4; round++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          f.store.put(ctx, "bkt", "s/" + round + "-" + i, new ByteArrayInputStream(data), () -> ObjectMeta.EMPTY.withEtag("0123456789abcdef0123456789abcdef"), BucketStore.PutCondition.NONE);
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          fs.writeAll(ctx, "/bkt/p/" + round + "-" + i, data);
        }
        long t2 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          f.store.head(ctx, "bkt", "s/" + round + "-" + i);
        }
        long t3 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          fs.stat(ctx, "/bkt/s/" + round + "-" + i);
        }
        long t4 = System.nanoTime();
        if (round > 0) { // the first round warms up
          put += t1 - t0;
          plain += t2 - t1;
          head += t3 - t2;
          stat += t4 - t3;
        }
      }
      int m = 3 * n;
      System.out.printf("PUT 1 KiB: store %.0f us, plain writeAll %.0f us (x%.2f); HEAD: store %.0f us, stat %.0f us (x%.2f)%n",
          put / 1e3 / m, plain / 1e3 / m, (double) put / plain, head / 1e3 / m, stat / 1e3 / m, (double) head / stat);
    } finally {
      try (var w = Files.walk(dir)) {
        w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
