package io.nectarfs.vfs;

import io.nectarfs.object.ListPage;
import io.nectarfs.object.ObjectInfo;
import io.nectarfs.object.ObjectStore;
import java.io.IOException;
import java.io.InputStream;

/** A test store that forwards everything to {@code next}; subclasses override what they hold up or count. */
abstract class ForwardingObjectStore implements ObjectStore {
  protected final ObjectStore next;

  ForwardingObjectStore(ObjectStore next) {
    this.next = next;
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
  public void close() throws IOException {
    next.close();
  }
}
