package io.nectarfs.object;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * A flat key space of immutable byte objects: where every block of every NectarFS file lives.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Keys are non-empty UTF-8 strings of at most 1024 bytes without NUL; "/" has no meaning
 *       except to {@link #list} with a delimiter. Invalid keys give {@link
 *       IllegalArgumentException}.
 *   <li>{@link #put} is atomic: a concurrent or later reader sees either the whole previous object
 *       (or none) or the whole new one, never a part. A failed put leaves the previous state.
 *   <li>{@link #get} of a missing key throws {@link NoSuchFileException} whose message is the key.
 *   <li>{@link #delete} is idempotent: deleting a missing key succeeds.
 *   <li>Listings are sorted by key in UTF-8 byte order (which equals {@link String#compareTo} for
 *       keys without surrogates) and are paginated.
 *   <li>Corrupt data is never returned: a store that detects corruption throws {@link
 *       CorruptObjectException} naming the key.
 *   <li>Failures that may succeed on retry (timeouts, throttling, 5xx, connection resets) are
 *       thrown as {@link TransientStoreException}; every other {@link IOException} is permanent.
 *   <li>Implementations are thread-safe. Every method is safe to retry.
 * </ul>
 *
 * <h2>Capabilities</h2>
 *
 * <p>Optional abilities are interfaces found only through {@link #capability(Class)}, never by
 * {@code instanceof} or a cast: {@link CopyCapable} and {@link MultipartCapable} today (conditional
 * puts next). The answer is a view of <em>this</em> store: the same key space and the same bytes as
 * its get and put. A decorator offers a capability only when it handles it itself (mapping keys,
 * retrying, throttling, injecting faults) and the store below offers it; a decorator that
 * transforms the bytes (compression, encryption, checksums) does not offer multipart, and a
 * decorator that does not know a capability answers empty, so no capability can bypass a layer.
 * The answer is fixed for the life of the store.
 */
public interface ObjectStore extends AutoCloseable {

  /** A description for humans and logs, with secrets redacted (e.g. {@code s3://bucket/}). */
  String describe();

  /**
   * Opens the bytes {@code [off, off + len)} of the object; {@code len < 0} means to its end. A
   * range that runs past the end is cut at the end; {@code off} at or past the end gives an empty
   * stream (an object of size 0 supports {@code off == 0}).
   *
   * @throws NoSuchFileException if the key does not exist
   * @throws CorruptObjectException if the store detects that the stored bytes are damaged
   */
  InputStream get(String key, long off, long len) throws IOException;

  /**
   * Reads the whole range into memory; see {@link #get(String, long, long)}. The array belongs to
   * the caller (a fresh one each call, which the caller may change). Stores that can read a range
   * without a stream override this (one array of the exact size, no intermediate copies).
   */
  default byte[] getBytes(String key, long off, long len) throws IOException {
    try (InputStream in = get(key, off, len)) {
      return in.readAllBytes();
    }
  }

  /**
   * Reads the range {@code [off, off + dst.remaining())} of an object into {@code dst} (advancing
   * its position), for callers that keep their own buffer, e.g. a reusable direct one; returns
   * the bytes read, fewer at the end of the object and 0 when {@code off} is at or past it. Stores
   * that read into a buffer without an intermediate array override this (the file store reads
   * straight into a direct buffer); the default reads {@link #getBytes(String, long, long)}.
   *
   * @throws NoSuchFileException if the key does not exist
   * @throws CorruptObjectException if the store detects that the stored bytes are damaged
   */
  default int read(String key, long off, ByteBuffer dst) throws IOException {
    byte[] b = getBytes(key, off, dst.remaining());
    dst.put(b);
    return b.length;
  }

  /** Reads a whole object into memory. */
  default byte[] getBytes(String key) throws IOException {
    return getBytes(key, 0, -1);
  }

  /**
   * Stores exactly {@code length} bytes read from {@code data} under {@code key}, replacing any
   * existing object atomically. The stream is read to {@code length} and not closed.
   *
   * @throws IOException if {@code data} ends before {@code length} bytes (nothing is stored)
   */
  void put(String key, InputStream data, long length) throws IOException;

  /**
   * Stores a byte array, as {@link #put(String, InputStream, long)}. The store neither changes the
   * array nor keeps it after returning (callers may share it with a cache); layers override this to
   * avoid the stream's copy.
   */
  default void put(String key, byte[] data) throws IOException {
    put(key, new ByteArrayInputStream(data), data.length);
  }

  /**
   * The gather put: stores the concatenation of the buffers' remaining bytes, as {@link
   * #put(String, InputStream, long)}. The store neither changes the buffers (contents, positions,
   * limits) nor keeps them after returning, so the caller may reuse them at once; a retry may
   * read them again. The default joins them into one array for {@link #put(String, byte[])};
   * layers that can pass the buffers on (or write them with one gathering write) override it.
   */
  default void put(String key, List<ByteBuffer> parts) throws IOException {
    put(key, Buffers.join(parts));
  }

  /** Deletes an object. Idempotent: a missing key is not an error. */
  void delete(String key) throws IOException;

  /**
   * The size and modification time of an object.
   *
   * @throws NoSuchFileException if the key does not exist
   */
  ObjectInfo head(String key) throws IOException;

  /**
   * One page of keys that start with {@code prefix} and sort strictly after {@code startAfter}
   * (empty: from the beginning). With a non-empty {@code delimiter}, keys that contain it after the
   * prefix are rolled up into common prefixes (each reported once, ending with the delimiter). At
   * most {@code maxKeys} entries (objects plus prefixes) are returned; when the page is truncated,
   * {@link ListPage#nextStartAfter()} continues it.
   */
  ListPage list(String prefix, String startAfter, String delimiter, int maxKeys) throws IOException;

  /** Every object under {@code prefix} (no delimiter), fetched page by page as iterated. */
  default Iterable<ObjectInfo> listAll(String prefix) {
    return () ->
        new Iterator<>() {
          private List<ObjectInfo> page = List.of();
          private int i;
          private String next = "";
          private boolean done;

          @Override
          public boolean hasNext() {
            while (i >= page.size() && !done) {
              try {
                ListPage p = list(prefix, next, "", 1000);
                page = p.objects();
                i = 0;
                done = !p.truncated();
                next = p.nextStartAfter();
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }
            return i < page.size();
          }

          @Override
          public ObjectInfo next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            return page.get(i++);
          }
        };
  }

  /** Every key under {@code prefix}, in order; convenience for tests and tools. */
  default List<String> listKeys(String prefix) throws IOException {
    List<String> keys = new ArrayList<>();
    try {
      for (ObjectInfo o : listAll(prefix)) {
        keys.add(o.key());
      }
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
    return keys;
  }

  /**
   * This store's implementation of an optional capability, or empty when it has none (see the
   * class comment). The default answers with this object when it implements {@code type}: right
   * for backends, wrong for decorators, which override it.
   */
  default <T> Optional<T> capability(Class<T> type) {
    return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
  }

  /** Releases connections and threads. Idempotent. */
  @Override
  void close() throws IOException;
}
