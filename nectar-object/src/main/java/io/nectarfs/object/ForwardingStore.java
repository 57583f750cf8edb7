package io.nectarfs.object;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A decorator that forwards every operation to the store below; subclasses override what they
 * change. Copy and multipart are forwarded when the store below has them: copy falls back to
 * get + put, multipart throws {@link UnsupportedOperationException}. Whether the finished stack
 * exposes them is decided once by {@link Decorators}, not by instances of this class.
 *
 * <p>Concurrency: stateless; thread-safe if the store below is.
 */
abstract class ForwardingStore implements ObjectStore, CopyCapable, MultipartCapable, Layered {
  protected final ObjectStore next;

  ForwardingStore(ObjectStore next) {
    this.next = next;
  }

  @Override
  public List<ObjectStore> inners() {
    return List.of(next);
  }

  @Override
  public String describe() {
    return next.describe();
  }

  @Override
  public InputStream get(String key, long off, long len) throws IOException {
    return next.get(key, off, len);
  }

  @Override
  public void put(String key, InputStream data, long length) throws IOException {
    next.put(key, data, length);
  }

  @Override
  public void delete(String key) throws IOException {
    next.delete(key);
  }

  @Override
  public ObjectInfo head(String key) throws IOException {
    return next.head(key);
  }

  @Override
  public ListPage list(String prefix, String startAfter, String delimiter, int maxKeys) throws IOException {
    return next.list(prefix, startAfter, delimiter, maxKeys);
  }

  @Override
  public void copy(String src, String dst) throws IOException {
    copyVia(next, src, dst);
  }

  /** Server-side copy when {@code s} has it, else get + put (still atomic for the destination). */
  static void copyVia(ObjectStore s, String src, String dst) throws IOException {
    if (s instanceof CopyCapable c) {
      c.copy(src, dst);
    } else {
      Keys.check(dst);
      s.put(dst, s.getBytes(src));
    }
  }

  MultipartCapable multipart() {
    if (next instanceof MultipartCapable m) {
      return m;
    }
    throw new UnsupportedOperationException(next.describe() + " has no multipart upload");
  }

  @Override
  public long minPartSize() {
    return multipart().minPartSize();
  }

  @Override
  public String createMultipart(String key) throws IOException {
    return multipart().createMultipart(key);
  }

  @Override
  public Part uploadPart(String key, String uploadId, int number, InputStream data, long length) throws IOException {
    return multipart().uploadPart(key, uploadId, number, data, length);
  }

  @Override
  public void completeMultipart(String key, String uploadId, List<Part> parts) throws IOException {
    multipart().completeMultipart(key, uploadId, parts);
  }

  @Override
  public void abortMultipart(String key, String uploadId) throws IOException {
    multipart().abortMultipart(key, uploadId);
  }

  @Override
  public List<String> listMultipart(String key) throws IOException {
    return multipart().listMultipart(key);
  }

  @Override
  public void close() throws IOException {
    next.close();
  }
}
