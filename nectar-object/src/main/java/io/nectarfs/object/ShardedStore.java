package io.nectarfs.object;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * Spreads keys over N stores (buckets). <b>Persistent format:</b> a key lives in shard {@code
 * CRC32(UTF-8 bytes of the key) mod N} (java.util.zip.CRC32, the zlib polynomial, taken as an
 * unsigned 32-bit value). Changing N or the hash relocates every key, so both are fixed when the
 * volume is formatted.
 *
 * <p>Listings merge the N sorted listings: each call keeps one buffered page per shard and takes
 * the smallest head, which {@link Keys#paginate} turns into pages with prefix roll-up.
 *
 * <p>Copy within one shard uses the shard's copy; across shards it is get + put. Multipart uploads
 * go to the key's shard.
 *
 * <p>Concurrency: no shared mutable state; a listing's per-shard cursors live in that call only.
 */
final class ShardedStore implements ObjectStore, CopyCapable, MultipartCapable, Layered {
  private final List<ObjectStore> shards;
  private final String description;

  ShardedStore(List<ObjectStore> shards, String description) {
    this.shards = List.copyOf(shards);
    this.description = description;
  }

  /** The shard index of {@code key} among {@code n}: see the class comment (persistent format). */
  static int shardOf(String key, int n) {
    CRC32 crc = new CRC32();
    crc.update(key.getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % n);
  }

  private ObjectStore shard(String key) {
    return shards.get(shardOf(Keys.check(key), shards.size()));
  }

  @Override
  public List<ObjectStore> inners() {
    return shards;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public InputStream get(String key, long off, long len) throws IOException {
    return shard(key).get(key, off, len);
  }

  @Override
  public void put(String key, InputStream data, long length) throws IOException {
    shard(key).put(key, data, length);
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    shard(key).put(key, data);
  }

  @Override
  public void put(String key, List<java.nio.ByteBuffer> parts) throws IOException {
    shard(key).put(key, parts);
  }

  @Override
  public void delete(String key) throws IOException {
    shard(key).delete(key);
  }

  @Override
  public ObjectInfo head(String key) throws IOException {
    return shard(key).head(key);
  }

  @Override
  public ListPage list(String prefix, String startAfter, String delimiter, int maxKeys) throws IOException {
    String p = prefix == null ? "" : prefix;
    int pageSize = (int) Math.min(1000, Math.max(2, (long) maxKeys + 1));
    List<Cursor> cursors = new ArrayList<>(shards.size());
    for (ObjectStore s : shards) {
      cursors.add(new Cursor(s, p, pageSize));
    }
    return Keys.paginate(
        after -> {
          ObjectInfo best = null;
          for (Cursor c : cursors) {
            ObjectInfo o = c.firstAfter(after);
            if (o != null && (best == null || o.key().compareTo(best.key()) < 0)) {
              best = o;
            }
          }
          return best;
        },
        p, startAfter, delimiter, maxKeys);
  }

  /**
   * The keys of one shard after a bound that only grows: a buffered page covering {@code (from,
   * last]}, refetched when the bound leaves it.
   */
  private static final class Cursor {
    private final ObjectStore store;
    private final String prefix;
    private final int pageSize;
    private List<ObjectInfo> page = List.of();
    private int i;
    private boolean more = true; // the shard may have keys after the buffered page
    private String from;

    Cursor(ObjectStore store, String prefix, int pageSize) {
      this.store = store;
      this.prefix = prefix;
      this.pageSize = pageSize;
    }

    ObjectInfo firstAfter(String after) throws IOException {
      if (from == null || after.compareTo(from) < 0) {
        fetch(safe(after), after);
      }
      while (true) {
        while (i < page.size() && page.get(i).key().compareTo(after) <= 0) {
          i++;
        }
        if (i < page.size()) {
          return page.get(i);
        }
        if (!more) {
          return null;
        }
        // Everything buffered lies at or below the bound: continue after the last key seen, which
        // always moves forward.
        fetch(page.isEmpty() ? safe(after) : page.getLast().key(), after);
        if (page.isEmpty()) {
          return null;
        }
      }
    }

    /**
     * Bounds from Keys.paginate may end in U+FFFF ("past every key with this prefix"), which is not
     * valid in XML and breaks S3 servers that echo StartAfter; ask from the prefix itself instead
     * and let firstAfter skip what lies below the real bound.
     */
    private static String safe(String bound) {
      String s = bound;
      while (!s.isEmpty() && s.charAt(s.length() - 1) == Character.MAX_VALUE) {
        s = s.substring(0, s.length() - 1);
      }
      return s;
    }

    private void fetch(String startAfter, String bound) throws IOException {
      ListPage pg = store.list(prefix, startAfter, "", pageSize);
      page = pg.objects();
      i = 0;
      more = pg.truncated();
      from = bound;
    }
  }

  @Override
  public void copy(String src, String dst) throws IOException {
    ObjectStore a = shard(src);
    ObjectStore b = shard(dst);
    if (a == b) {
      ForwardingStore.copyVia(a, src, dst);
    } else {
      b.put(dst, a.getBytes(src));
    }
  }

  private MultipartCapable mp(String key) {
    return mpOf(shard(key));
  }

  private MultipartCapable mpOf(ObjectStore shard) {
    return shard.capability(MultipartCapable.class)
        .orElseThrow(() -> new IllegalStateException(description + " has no multipart upload: ask capability() first"));
  }

  /** Copy and multipart when the shards offer them (every shard is the same kind of store). */
  @Override
  public <T> Optional<T> capability(Class<T> type) {
    if ((type == CopyCapable.class || type == MultipartCapable.class) && shards.get(0).capability(type).isPresent()) {
      return Optional.of(type.cast(this));
    }
    return Optional.empty();
  }

  @Override
  public long minPartSize() {
    return mpOf(shards.get(0)).minPartSize();
  }

  @Override
  public String createMultipart(String key) throws IOException {
    return mp(key).createMultipart(key);
  }

  @Override
  public Part uploadPart(String key, String uploadId, int number, InputStream data, long length) throws IOException {
    return mp(key).uploadPart(key, uploadId, number, data, length);
  }

  @Override
  public void completeMultipart(String key, String uploadId, List<Part> parts) throws IOException {
    mp(key).completeMultipart(key, uploadId, parts);
  }

  @Override
  public void abortMultipart(String key, String uploadId) throws IOException {
    mp(key).abortMultipart(key, uploadId);
  }

  @Override
  public List<String> listMultipart(String key) throws IOException {
    return mp(key).listMultipart(key);
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (ObjectStore s : shards) {
      try {
        s.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
