package io.nectarfs.gateway.s3.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.gateway.s3.store.BucketStore.ListRequest;
import io.nectarfs.gateway.s3.store.BucketStore.ListResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listings against a brute-force oracle: random key sets with '-', '/', '.', non-ASCII UTF-8 and
 * random prefixes, delimiters, start keys and page sizes; the concatenated pages must equal the
 * sorted oracle (S3's key order: unsigned UTF-8 bytes of the whole key).
 */
class ListingOrderTest {
  private static final Comparator<String> BYTES = (a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  private static final String[] PIECES = {"a", "b", "a-b", "a.b", "a0", "-", ".", "é", "€", "😀", "\uE000", "z", "a!", "ab", "a b", "..", "."};
  @TempDir Path tmp;
  private StoreFixture f;
  private final Ctx ctx = Ctx.ROOT;

  @BeforeEach
  void setUp() throws Exception {
    f = new StoreFixture(tmp);
    f.store.createBucket(ctx, "bkt");
  }

  @AfterEach
  void tearDown() throws Exception {
    f.close();
  }

  /** Keys that can coexist as paths: no key is a directory of another. */
  private static List<String> keys(Random r, int n) {
    TreeSet<String> keys = new TreeSet<>(BYTES);
    Set<String> dirs = new LinkedHashSet<>();
    while (keys.size() < n) {
      int depth = 1 + r.nextInt(3);
      StringBuilder k = new StringBuilder();
      List<String> parents = new ArrayList<>();
      for (int i = 0; i < depth; i++) {
        if (i > 0) {
          parents.add(k.toString());
          k.append('/');
        }
        k.append(PIECES[r.nextInt(PIECES.length)]);
        if (r.nextInt(3) == 0) {
          k.append(PIECES[r.nextInt(PIECES.length)]);
        }
      }
      String key = k.toString();
      if (S3Keys.invalid(key) != null) {
        continue; // ".", ".." components
      }
      if (dirs.contains(key) || keys.contains(key) || parents.stream().anyMatch(keys::contains)) {
        continue;
      }
      keys.add(key);
      dirs.addAll(parents);
    }
    return new ArrayList<>(keys);
  }

  /** The oracle: objects and common prefixes in key order. */
  private static List<String> oracle(List<String> keys, String prefix, String delimiter, String after) {
    TreeSet<String> out = new TreeSet<>(BYTES);
    for (String k : keys) {
      if (!k.startsWith(prefix)) {
        continue;
      }
      String item = k;
      if (delimiter != null) {
        int at = k.indexOf(delimiter, prefix.length());
        if (at >= 0) {
          item = k.substring(0, at + delimiter.length());
        }
      }
      if (after == null || BYTES.compare(item, after) > 0) {
        out.add(item);
      }
    }
    return new ArrayList<>(out);
  }

  private List<String> listAll(String prefix, String delimiter, String after, int page) throws Exception {
    List<String> got = new ArrayList<>();
    String cursor = after;
    for (int guard = 0; guard < 2_000; guard++) {
      ListResult r = f.store.list(ctx, "bkt", new ListRequest(prefix, delimiter, cursor, page));
      List<String> items = new ArrayList<>();
      r.objects().forEach(o -> items.add(o.key()));
      items.addAll(r.commonPrefixes());
      items.sort(BYTES);
      assertThat(items.size()).as("prefix=%s delimiter=%s after=%s page=%d: %s", prefix, delimiter, cursor, page, items).isLessThanOrEqualTo(page).isGreaterThan(r.truncated() ? 0 : -1);
      got.addAll(items);
      if (!r.truncated()) {
        return got;
      }
      assertThat(r.next()).isEqualTo(items.getLast());
      assertThat(cursor == null || BYTES.compare(r.next(), cursor) > 0).as("progress after %s: %s", cursor, items).isTrue();
      cursor = r.next();
    }
    throw new AssertionError("listing does not end");
  }

  @Test
  void pagesConcatenatedEqualTheSortedOracle() throws Exception {
    Random r = new Random(42);
    List<String> keys = keys(r, 250);
    for (String k : keys) {
      f.put(ctx, "bkt", k, new byte[] {1});
    }
    String[] delimiters = {null, "/", "-", "a/", "."};
    assertThat(listAll("", null, null, 1000)).containsExactlyElementsOf(oracle(keys, "", null, null));
    for (int q = 0; q < 150; q++) {
      String prefix = r.nextInt(3) == 0 ? "" : randomPrefix(r, keys);
      String delimiter = delimiters[r.nextInt(delimiters.length)];
      String after = r.nextInt(2) == 0 ? null : randomPrefix(r, keys);
      int page = 1 + r.nextInt(r.nextBoolean() ? 7 : 300);
      assertThat(listAll(prefix, delimiter, after, page))
          .as("prefix=%s delimiter=%s after=%s page=%d", prefix, delimiter, after, page)
          .containsExactlyElementsOf(oracle(keys, prefix, delimiter, after));
    }
  }

  private static String randomPrefix(Random r, List<String> keys) {
    String k = keys.get(r.nextInt(keys.size()));
    int[] cps = k.codePoints().toArray();
    int n = r.nextInt(cps.length + 1);
    String p = new String(cps, 0, n);
    if (r.nextInt(4) == 0) {
      p += PIECES[r.nextInt(PIECES.length)];
    }
    return p;
  }

  @Test
  void keyOrderCrossesDirectoryLevels() throws Exception {
    for (String k : List.of("a/x", "a-b", "a0", "a.c/y", "a!", "b")) {
      f.put(ctx, "bkt", k, new byte[0]);
    }
    assertThat(listAll("", null, null, 1000)).containsExactly("a!", "a-b", "a.c/y", "a/x", "a0", "b");
    assertThat(listAll("", "/", null, 2)).containsExactly("a!", "a-b", "a.c/", "a/", "a0", "b");
    assertThat(listAll("a", "/", "a-b", 1)).containsExactly("a.c/", "a/", "a0");
    assertThat(listAll("a/", null, null, 10)).containsExactly("a/x");
    // the directory "a" sorts as "a/", after a start key "a-b" that follows "a" in name order
    assertThat(listAll("", null, "a-b", 10)).containsExactly("a.c/y", "a/x", "a0", "b");
    assertThat(listAll("", "/", "a-b", 10)).containsExactly("a.c/", "a/", "a0", "b");
    assertThat(listAll("", null, "a/x", 10)).containsExactly("a0", "b");
    assertThat(listAll("", "/", "a/", 10)).containsExactly("a0", "b");
  }

  @Test
  void directoriesAreMarkersUnlessMadeForKeys_andHiddenNamesNeverShow() throws Exception {
    f.store.put(ctx, "bkt", "d/", java.io.InputStream.nullInputStream(), () -> ObjectMeta.EMPTY, BucketStore.PutCondition.NONE);
    f.put(ctx, "bkt", "e/f", new byte[] {1});
    f.fs().writeAll(ctx, "/bkt/e/.nectar-s3-tmp.leftover", new byte[] {2});
    f.fs().mkdir(ctx, "/bkt/m", 0755); // made on the mount, empty
    assertThat(listAll("", null, null, 1000)).containsExactly("d/", "e/f", "m/");
    assertThat(listAll("d/", "/", null, 1000)).containsExactly("d/");
    assertThat(listAll("", "/", null, 1000)).containsExactly("d/", "e/", "m/");
    f.put(ctx, "bkt", "d/g", new byte[] {1});
    // as S3: the marker "d/" is an object of its own, listed before the keys under it; "e" was made only for e/f
    assertThat(listAll("", null, null, 1000)).containsExactly("d/", "d/g", "e/f", "m/");
    assertThat(listAll("d/", "/", null, 1000)).containsExactly("d/", "d/g");
    assertThat(listAll("", null, "d/", 1000)).containsExactly("d/g", "e/f", "m/");
    f.store.delete(ctx, "bkt", "d/"); // the marker goes; its key keeps the directory
    assertThat(listAll("", null, null, 1000)).containsExactly("d/g", "e/f", "m/");
  }
}
