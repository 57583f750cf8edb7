package io.nectarfs.object;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * The top of a decorated stack: forwards to it, describes it, and implements exactly the optional
 * capabilities the stack supports (chosen by {@link Decorators}), so {@code instanceof CopyCapable}
 * and {@code instanceof MultipartCapable} tell the truth.
 *
 * <p>Concurrency: stateless.
 */
class Facade implements ObjectStore, Layered {
  final ForwardingStore top;
  private final String description;

  private Facade(ForwardingStore top, String description) {
    this.top = top;
    this.description = description;
  }

  static ObjectStore of(ForwardingStore top, String description, boolean copy, boolean multipart) {
    if (copy && multipart) {
      return new CopyMultipart(top, description);
    }
    if (copy) {
      return new Copy(top, description);
    }
    if (multipart) {
      return new Multipart(top, description);
    }
    return new Facade(top, description);
  }

  @Override
  public List<ObjectStore> inners() {
    return List.of(top);
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public InputStream get(String key, long off, long len) throws IOException {
    return top.get(key, off, len);
  }

  @Override
  public void put(String key, InputStream data, long length) throws IOException {
    top.put(key, data, length);
  }

  @Override
  public void delete(String key) throws IOException {
    top.delete(key);
  }

  @Override
  public ObjectInfo head(String key) throws IOException {
    return top.head(key);
  }

  @Override
  public ListPage list(String prefix, String startAfter, String delimiter, int maxKeys) throws IOException {
    return top.list(prefix, startAfter, delimiter, maxKeys);
  }

  @Override
  public void close() throws IOException {
    top.close();
  }

  @Override
  public String toString() {
    return description;
  }

  /** Copy forwarded to the stack. */
  interface CopyVia extends CopyCapable {
    ForwardingStore top();

    @Override
    default void copy(String src, String dst) throws IOException {
      top().copy(src, dst);
    }
  }

  /** Multipart forwarded to the stack. */
  interface MultipartVia extends MultipartCapable {
    ForwardingStore top();

    @Override
    default long minPartSize() {
      return top().minPartSize();
    }

    @Override
    default String createMultipart(String key) throws IOException {
      return top().createMultipart(key);
    }

    @Override
    default Part uploadPart(String key, String uploadId, int number, InputStream data, long length) throws IOException {
      return top().uploadPart(key, uploadId, number, data, length);
    }

    @Override
    default void completeMultipart(String key, String uploadId, List<Part> parts) throws IOException {
      top().completeMultipart(key, uploadId, parts);
    }

    @Override
    default void abortMultipart(String key, String uploadId) throws IOException {
      top().abortMultipart(key, uploadId);
    }

    @Override
    default List<String> listMultipart(String key) throws IOException {
      return top().listMultipart(key);
    }
  }

  private static final class Copy extends Facade implements CopyVia {
    Copy(ForwardingStore top, String d) {
      super(top, d);
    }

    @Override
    public ForwardingStore top() {
      return top;
    }
  }

  private static final class Multipart extends Facade implements MultipartVia {
    Multipart(ForwardingStore top, String d) {
      super(top, d);
    }

    @Override
    public ForwardingStore top() {
      return top;
    }
  }

  private static final class CopyMultipart extends Facade implements CopyVia, MultipartVia {
    CopyMultipart(ForwardingStore top, String d) {
      super(top, d);
    }

    @Override
    public ForwardingStore top() {
      return top;
    }
  }
}
