package io.nectarfs.object;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Adds a fixed prefix to every key. Callers see their own keys: listings, heads and copies strip
 * the prefix again.
 *
 * <p>Concurrency: stateless.
 */
final class PrefixStore extends ForwardingStore implements ForwardsMultipart {
  private final String prefix;

  PrefixStore(ObjectStore next, String prefix) {
    super(next);
    this.prefix = prefix;
  }

  private String k(String key) {
    return prefix + Keys.check(key);
  }

  private String strip(String key) {
    return key.startsWith(prefix) ? key.substring(prefix.length()) : key;
  }

  @Override
  public InputStream get(String key, long off, long len) throws IOException {
    try {
      return next.get(k(key), off, len);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new java.nio.file.NoSuchFileException(key);
    }
  }

  @Override
  public byte[] getBytes(String key, long off, long len) throws IOException {
    try {
      return next.getBytes(k(key), off, len);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new java.nio.file.NoSuchFileException(key);
    }
  }

  @Override
  public int read(String key, long off, java.nio.ByteBuffer dst) throws IOException {
    try {
      return next.read(k(key), off, dst);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new java.nio.file.NoSuchFileException(key);
    }
  }

  @Override
  public void put(String key, InputStream data, long length) throws IOException {
    next.put(k(key), data, length);
  }

  @Override
  public void put(String key, List<java.nio.ByteBuffer> parts) throws IOException {
    next.put(k(key), parts);
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    next.put(k(key), data);
  }

  @Override
  public void delete(String key) throws IOException {
    next.delete(k(key));
  }

  @Override
  public ObjectInfo head(String key) throws IOException {
    try {
      ObjectInfo o = next.head(k(key));
      return new ObjectInfo(key, o.size(), o.mtime());
    } catch (java.nio.file.NoSuchFileException e) {
      throw new java.nio.file.NoSuchFileException(key);
    }
  }

  @Override
  public ListPage list(String p, String startAfter, String delimiter, int maxKeys) throws IOException {
    String sa = startAfter == null || startAfter.isEmpty() ? "" : prefix + startAfter;
    ListPage pg = next.list(prefix + (p == null ? "" : p), sa, delimiter, maxKeys);
    List<ObjectInfo> objs = new ArrayList<>(pg.objects().size());
    for (ObjectInfo o : pg.objects()) {
      objs.add(new ObjectInfo(strip(o.key()), o.size(), o.mtime()));
    }
    List<String> cps = pg.commonPrefixes().stream().map(this::strip).toList();
    return new ListPage(objs, cps, pg.truncated(), strip(pg.nextStartAfter()));
  }

  @Override
  public void copy(String src, String dst) throws IOException {
    try {
      copyVia(next, k(src), k(dst));
    } catch (java.nio.file.NoSuchFileException e) {
      throw new java.nio.file.NoSuchFileException(src);
    }
  }

  @Override
  public String createMultipart(String key) throws IOException {
    return below().createMultipart(k(key));
  }

  @Override
  public Part uploadPart(String key, String uploadId, int number, InputStream data, long length) throws IOException {
    return below().uploadPart(k(key), uploadId, number, data, length);
  }

  @Override
  public void completeMultipart(String key, String uploadId, List<Part> parts) throws IOException {
    below().completeMultipart(k(key), uploadId, parts);
  }

  @Override
  public void abortMultipart(String key, String uploadId) throws IOException {
    below().abortMultipart(k(key), uploadId);
  }

  @Override
  public List<String> listMultipart(String key) throws IOException {
    return below().listMultipart(k(key));
  }
}
