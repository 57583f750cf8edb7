package io.nectarfs.object;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * An in-memory store for tests: {@code mem://} is a fresh private store, {@code mem://name} is
 * shared by every opener of that name in this JVM.
 *
 * <p>Concurrency: objects live in a {@link ConcurrentSkipListMap} of immutable entries, so a put is
 * a single atomic replacement and listings see a consistent order. Multipart uploads are kept in a
 * concurrent map until completed or aborted.
 */
final class MemStore implements ObjectStore, CopyCapable, MultipartCapable {
  private static final Map<String, MemStore> NAMED = new ConcurrentHashMap<>();

  private record Entry(byte[] data, Instant mtime) {}

  private final String name;
  private final ConcurrentSkipListMap<String, Entry> objects = new ConcurrentSkipListMap<>();
  private final Map<String, Upload> uploads = new ConcurrentHashMap<>();

  private record Upload(String key, Map<Integer, byte[]> parts) {}

  private MemStore(String name) {
    this.name = name;
  }

  /** A new private store for "", else the JVM-wide store of that name. */
  static MemStore named(String name) {
    return name.isEmpty() ? new MemStore("") : NAMED.computeIfAbsent(name, MemStore::new);
  }


  @Override
  public String describe() {
    return "mem://" + name;
  }

  @Override
  public InputStream get(String key, long off, long len) throws IOException {
    Entry e = objects.get(Keys.check(key));
    if (e == null) {
      throw new NoSuchFileException(key);
    }
    int start = (int) Math.min(Math.max(off, 0), e.data.length);
    int end = len < 0 ? e.data.length : (int) Math.min(e.data.length, start + len);
    return new ByteArrayInputStream(e.data, start, end - start);
  }

  @Override
  public void put(String key, InputStream data, long length) throws IOException {
    Keys.check(key);
    objects.put(key, new Entry(readExactly(data, length, key), Instant.now()));
  }

  static byte[] readExactly(InputStream in, long length, String key) throws IOException {
    if (length < 0 || length > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("bad length " + length + " for " + key);
    }
    byte[] b = new byte[(int) length]; // exact size: one copy, no growing buffers
    int n = 0;
    while (n < b.length) { // some streams' readNBytes stop after one short read: loop on read
      int r = in.read(b, n, b.length - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    if (n != length) {
      throw new IOException("short input for " + key + ": expected " + length + " bytes, got " + n);
    }
    return b;
  }

  @Override
  public void delete(String key) {
    objects.remove(Keys.check(key));
  }

  @Override
  public ObjectInfo head(String key) throws IOException {
    Entry e = objects.get(Keys.check(key));
    if (e == null) {
      throw new NoSuchFileException(key);
    }
    return new ObjectInfo(key, e.data.length, e.mtime);
  }

  @Override
  public ListPage list(String prefix, String startAfter, String delimiter, int maxKeys) throws IOException {
    return Keys.paginate(
        after -> {
          var en = objects.higherEntry(after);
          return en == null ? null : new ObjectInfo(en.getKey(), en.getValue().data.length, en.getValue().mtime);
        },
        prefix, startAfter, delimiter, maxKeys);
  }

  @Override
  public void copy(String src, String dst) throws IOException {
    Entry e = objects.get(Keys.check(src));
    if (e == null) {
      throw new NoSuchFileException(src);
    }
    objects.put(Keys.check(dst), new Entry(e.data, Instant.now()));
  }

  @Override
  public long minPartSize() {
    return 5L << 20;
  }

  @Override
  public String createMultipart(String key) {
    String id = UUID.randomUUID().toString();
    uploads.put(id, new Upload(Keys.check(key), new ConcurrentHashMap<>()));
    return id;
  }

  private Upload upload(String key, String id) throws NoSuchFileException {
    Upload u = uploads.get(id);
    if (u == null || !u.key.equals(key)) {
      throw new NoSuchFileException(key, null, "no multipart upload " + id);
    }
    return u;
  }

  @Override
  public Part uploadPart(String key, String uploadId, int number, InputStream data, long length) throws IOException {
    if (number < 1 || number > 10000) {
      throw new IllegalArgumentException("part number must be 1..10000, got " + number);
    }
    Upload u = upload(key, uploadId);
    byte[] b = readExactly(data, length, key);
    u.parts.put(number, b);
    return new Part(number, Integer.toHexString(java.util.Arrays.hashCode(b)) + "-" + b.length, b.length);
  }

  @Override
  public void completeMultipart(String key, String uploadId, List<Part> parts) throws IOException {
    Upload u = upload(key, uploadId);
    var out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < parts.size(); i++) {
      byte[] b = u.parts.get(parts.get(i).number());
      if (b == null) {
        throw new IllegalArgumentException("part " + parts.get(i).number() + " of " + key + " was not uploaded");
      }
      if (i < parts.size() - 1 && b.length < minPartSize()) {
        throw new IllegalArgumentException("part " + parts.get(i).number() + " of " + key + " is smaller than " + minPartSize());
      }
      out.write(b);
    }
    objects.put(key, new Entry(out.toByteArray(), Instant.now()));
    uploads.remove(uploadId);
  }

  @Override
  public void abortMultipart(String key, String uploadId) {
    uploads.remove(uploadId);
  }

  @Override
  public List<String> listMultipart(String key) {
    List<String> ids = new ArrayList<>();
    uploads.forEach((id, u) -> {
      if (u.key.equals(key)) {
        ids.add(id);
      }
    });
    return ids;
  }

  @Override
  public void close() {}
}
