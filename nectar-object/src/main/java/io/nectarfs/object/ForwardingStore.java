package io.nectarfs.object;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * A decorator that forwards every operation to the store below; subclasses override what they
 * change. Copy is offered when the store below offers it (internally it falls back to get + put);
 * multipart is offered by the decorators that implement {@link ForwardsMultipart}, again only when
 * the store below offers it. Capabilities this class does not implement are never offered
 * ({@link #capability}), so a new capability cannot bypass a decorator.
 *
 * <p>Concurrency: stateless; thread-safe if the store below is.
 */
abstract class ForwardingStore implements ObjectStore, CopyCapable, Layered {
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
    Optional<CopyCapable> c = s.capability(CopyCapable.class);
    if (c.isPresent()) {
      c.get().copy(src, dst);
    } else {
      Keys.check(dst);
      s.put(dst, s.getBytes(src));
    }
  }

  /**
   * The multipart capability of the store below, for decorators that offer multipart (they do so
   * only when it exists: {@link #capability}).
   */
  public MultipartCapable below() {
    return next.capability(MultipartCapable.class)
        .orElseThrow(() -> new IllegalStateException(next.describe() + " has no multipart upload: ask capability() first"));
  }

  /** Offers a capability that this decorator implements itself when the store below offers it too. */
  @Override
  public <T> Optional<T> capability(Class<T> type) {
    if (type.isInstance(this) && next.capability(type).isPresent()) {
      return Optional.of(type.cast(this));
    }
    return Optional.empty();
  }

  @Override
  public void close() throws IOException {
    next.close();
  }
}
