package io.nectarfs.gateway.s3.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.fs.FileApi;
import io.nectarfs.gateway.s3.store.BucketStore.ListRequest;
import io.nectarfs.gateway.s3.store.BucketStore.ListResult;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A page of a large directory reads about one page of entries, wherever it starts (counts, not times). */
class ListingCostTest {
  private static final int FILES = Integer.getInteger("listing.files", 3000);
  @TempDir Path tmp;
  private StoreFixture f;
  private final Ctx ctx = Ctx.ROOT;
  private final AtomicLong entriesRead = new AtomicLong();
  private final AtomicLong stats = new AtomicLong();
  private BucketStore counted;

  @BeforeEach
  void setUp() throws Exception {
    f = new StoreFixture(tmp);
    f.store.createBucket(ctx, "bkt");
    FileApi real = f.fs();
    real.mkdir(ctx, "/bkt/d", 0755);
    for (int i = 0; i < FILES; i++) {
      f.fs().open(ctx, String.format("/bkt/d/f%06d", i), java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE).close();
    }
    InvocationHandler h = (proxy, m, args) -> {
      try {
        Object r = m.invoke(real, args);
        if (r instanceof FileApi.Page p) {
          entriesRead.addAndGet(p.entries().size());
        }
        if (m.getName().equals("stat")) {
          stats.incrementAndGet();
        }
        return r;
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    FileApi proxy = (FileApi) Proxy.newProxyInstance(FileApi.class.getClassLoader(), new Class<?>[] {FileApi.class}, h);
    counted = BucketStore.over(proxy, "/", null, f.clock);
  }

  @AfterEach
  void tearDown() throws Exception {
    f.close();
  }

  @Test
  void aPageReadsAboutAPage() throws Exception {
    entriesRead.set(0);
    ListResult first = counted.list(ctx, "bkt", new ListRequest("d/", null, null, 100));
    assertThat(first.objects()).hasSize(100);
    assertThat(first.truncated()).isTrue();
    assertThat(entriesRead.get()).isLessThanOrEqualTo(2 * 101);

    entriesRead.set(0);
    String middle = String.format("d/f%06d", FILES / 2);
    ListResult seek = counted.list(ctx, "bkt", new ListRequest("", null, middle, 100));
    assertThat(seek.objects().getFirst().key()).isEqualTo(String.format("d/f%06d", FILES / 2 + 1));
    assertThat(entriesRead.get()).isLessThanOrEqualTo(2 * 101 + 2);

    // for the record (not asserted): a page of 1000 in the middle of the directory
    long t0 = System.nanoTime();
    ListResult big = counted.list(ctx, "bkt", new ListRequest("d/", "/", middle, 1000));
    long t1 = System.nanoTime();
    entriesRead.set(0);
    counted.list(ctx, "bkt", new ListRequest("d/", "/", middle, 1000));
    long t2 = System.nanoTime();
    System.out.printf("listing %d files: page of %d after the middle: %.1f ms (again %.1f ms), %d entries read%n",
        FILES, big.objects().size(), (t1 - t0) / 1e6, (t2 - t1) / 1e6, entriesRead.get());

    entriesRead.set(0);
    ListResult prefixed = counted.list(ctx, "bkt", new ListRequest(String.format("d/f%05d", FILES / 20), "/", null, 1000));
    assertThat(prefixed.objects()).hasSize(10);
    assertThat(entriesRead.get()).isLessThanOrEqualTo(16); // one small first page
  }
}
