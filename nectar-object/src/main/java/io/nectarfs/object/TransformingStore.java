package io.nectarfs.object;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A decorator that rewrites object contents (compression, encryption, checksums). Each object is
 * transformed as a whole, so parts of a multipart upload cannot be: multipart is not offered. Copy is
 * forwarded, because the stored envelope is self-contained (it does not depend on the key).
 *
 * <p>Objects are NectarFS blocks of at most 16 MiB; a transforming layer holds one object in
 * memory while it encodes or decodes it.
 */
abstract class TransformingStore extends ForwardingStore {
  TransformingStore(ObjectStore next) {
    super(next);
  }

  /** Reads exactly {@code length} bytes, or fails without storing anything. */
  static byte[] readAll(String key, InputStream data, long length) throws IOException {
    Keys.check(key);
    return MemStore.readExactly(data, length, key);
  }

  /** The size a decoder reports for a user-visible object of {@code size}; used by {@link #head}. */
  static ObjectInfo withSize(ObjectInfo o, long size) {
    return new ObjectInfo(o.key(), size, o.mtime());
  }

  /** Cuts {@code [off, off+len)} out of a whole decoded object as the contract of get says. */
  static InputStream slice(byte[] all, long off, long len) {
    return slice(all, all.length, off, len);
  }

  /** As {@link #slice(byte[], long, long)} for an object held in the first {@code size} bytes of {@code buf}. */
  static InputStream slice(byte[] buf, int size, long off, long len) {
    int start = (int) Math.min(Math.max(off, 0), size);
    int end = len < 0 ? size : (int) Math.min(size, start + len);
    return new java.io.ByteArrayInputStream(buf, start, end - start);
  }

  /**
   * The user-visible size of a listed object from its stored info, or -1 if the object vanished
   * meanwhile (it is then left out). Damaged objects are listed with their stored size: a listing
   * does not fail for one bad object; reading it does.
   */
  abstract long listedSize(ObjectInfo stored) throws IOException;

  @Override
  public ListPage list(String prefix, String startAfter, String delimiter, int maxKeys) throws IOException {
    ListPage pg = next.list(prefix, startAfter, delimiter, maxKeys);
    List<ObjectInfo> objs = new java.util.ArrayList<>(pg.objects().size());
    for (ObjectInfo o : pg.objects()) {
      long size;
      try {
        size = listedSize(o);
      } catch (CorruptObjectException e) {
        size = o.size();
      }
      if (size >= 0) {
        objs.add(withSize(o, size));
      }
    }
    return new ListPage(objs, pg.commonPrefixes(), pg.truncated(), pg.nextStartAfter());
  }
}
