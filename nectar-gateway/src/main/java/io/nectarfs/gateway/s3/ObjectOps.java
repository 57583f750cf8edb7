package io.nectarfs.gateway.s3;

import io.nectarfs.common.FsException;
import io.nectarfs.fs.FileHandle;
import io.nectarfs.gateway.s3.auth.VerifiedBody;
import io.nectarfs.gateway.s3.store.BucketStore.ObjectInfo;
import io.nectarfs.gateway.s3.store.BucketStore.OpenObject;
import io.nectarfs.gateway.s3.store.BucketStore.PutCondition;
import io.nectarfs.gateway.s3.store.ObjectMeta;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.Callback;
import org.w3c.dom.Element;

/**
 * Get/Head/Put/Copy/DeleteObject, DeleteObjects and the object tagging operations. A GET streams
 * the object in {@link #PIECE} preads from the file handle into the response, reading the next
 * piece while the previous one is being sent (two pooled buffers per GET, never the whole
 * object); a PUT streams the verified body into the store.
 */
final class ObjectOps {
  static final int PIECE = 1 << 20;
  static final int MAX_DELETE = 1000;

  private final S3Handler h;

  ObjectOps(S3Handler h) {
    this.h = h;
  }

  // ---- GET / HEAD ----

  void get(S3Call c) throws IOException {
    if (c.method.equals("HEAD")) {
      ObjectInfo o = h.store.head(c.ctx(), c.bucket, c.key);
      respond(c, o, null);
      return;
    }
    try (OpenObject o = h.store.open(c.ctx(), c.bucket, c.key)) {
      respond(c, o.info(), o.handle());
    }
  }

  private void respond(S3Call c, ObjectInfo o, FileHandle handle) throws IOException {
    // a 304 still names the version the client has (RFC 9110 §15.4.5)
    c.errorHeaders.put("ETag", Http.quote(o.etag()));
    c.errorHeaders.put("Last-Modified", Http.httpDate(o.modified()));
    Http.checkRead(c, o);
    c.errorHeaders.clear();
    long size = o.size();
    long first = 0;
    long last = size - 1;
    int status = 200;
    String partNumber = c.param("partNumber");
    long[] r;
    if (partNumber != null) {
      // the object as one part (objects are stored whole): part 1 is everything
      if (!partNumber.equals("1")) {
        throw S3Error.INVALID_PART.exception("The requested partnumber is not satisfiable");
      }
      r = null;
      c.header("x-amz-mp-parts-count", "1");
    } else {
      String ifRange = c.header("If-Range");
      c.errorHeaders.put("Content-Range", "bytes */" + size);
      r = ifRange == null || Http.matches(ifRange, o.etag()) ? Http.range(c.header("Range"), size) : null;
      c.errorHeaders.clear();
    }
    Http.objectHeaders(c, o, r == null);
    if (r != null) {
      first = r[0];
      last = r[1];
      status = 206;
      c.header("Content-Range", "bytes " + first + "-" + last + "/" + size);
    }
    long len = Math.max(0, last - first + 1);
    c.response.setStatus(status);
    c.response.getHeaders().put(HttpHeader.CONTENT_LENGTH, len);
    if (handle == null || len == 0) {
      c.write(true, ByteBuffer.allocate(0));
      return;
    }
    stream(c, handle, first, len);
  }

  /** Sends [from, from+len) of the file: pread into one buffer while the other one is written. */
  private static void stream(S3Call c, FileHandle handle, long from, long len) throws IOException {
    var pool = c.request.getComponents().getByteBufferPool();
    int piece = (int) Math.min(PIECE, len);
    RetainableByteBuffer[] bufs = {pool.acquire(piece, true), null};
    Callback.Completable pending = null;
    try {
      long pos = from;
      long end = from + len;
      int i = 0;
      while (pos < end) {
        if (bufs[i] == null) {
          bufs[i] = pool.acquire(piece, true);
        }
        ByteBuffer b = bufs[i].getByteBuffer();
        b.clear().limit((int) Math.min(piece, end - pos));
        int n = 0;
        while (b.hasRemaining()) {
          int k = handle.pread(b, pos + n);
          if (k <= 0) {
            break;
          }
          n += k;
        }
        b.flip();
        if (pending != null) {
          S3Call.await(pending);
          pending = null;
        }
        if (n == 0) {
          throw new IOException("the file shrank while it was being sent"); // the client sees a short body
        }
        pos += n;
        pending = new Callback.Completable();
        c.response.write(pos >= end, b, pending);
        c.bytesOut += n;
        i ^= 1;
      }
      if (pending != null) {
        S3Call.await(pending);
        pending = null;
      }
    } finally {
      if (pending != null) {
        try {
          S3Call.await(pending); // a buffer goes back to the pool only once Jetty is done with it
        } catch (IOException ignored) {
          // failing anyway
        }
      }
      for (RetainableByteBuffer b : bufs) {
        if (b != null) {
          b.release();
        }
      }
    }
  }

  // ---- PUT ----

  void put(S3Call c) throws IOException {
    if (c.request.getLength() < 0 && c.header("x-amz-decoded-content-length") == null && !c.request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
      throw S3Error.MISSING_CONTENT_LENGTH.exception();
    }
    ObjectMeta meta = Http.metaFrom(c);
    Map<String, String> tags = c.header("x-amz-tagging") == null ? null : Tags.fromQuery(c.header("x-amz-tagging"));
    PutCondition cond = putCondition(c);
    VerifiedBody body = c.body();
    ObjectInfo o;
    try (body) {
      o = h.store.put(c.ctx(), c.bucket, c.key, body, () -> meta.withEtag(body.md5Hex()).withChecksums(body.checksums()), cond);
    }
    if (tags != null) {
      h.store.setTags(c.ctx(), c.bucket, c.key, tags);
    }
    c.header("ETag", Http.quote(o.etag()));
    Http.checksumHeaders(c, body.checksums());
    c.empty(200);
  }

  static PutCondition putCondition(S3Call c) throws S3Exception {
    String im = c.header("If-Match");
    String inm = c.header("If-None-Match");
    if (inm != null && !inm.trim().equals("*")) {
      throw S3Error.NOT_IMPLEMENTED.exception("If-None-Match on a write only supports *");
    }
    return im == null && inm == null ? PutCondition.NONE : new PutCondition(im == null ? null : Http.unquote(im), inm == null ? null : "*");
  }

  // ---- COPY ----

  /** The bucket and key of x-amz-copy-source ("/bucket/key" or "bucket/key", URL-encoded, maybe "?versionId="). */
  static String[] copySource(S3Call c) throws S3Exception {
    String s = c.header("x-amz-copy-source");
    int q = s.indexOf('?');
    if (q >= 0) {
      String rest = s.substring(q + 1);
      if (rest.startsWith("versionId=") && !rest.equals("versionId=null")) {
        throw S3Error.NOT_IMPLEMENTED.exception("Versions are not supported.");
      }
      s = s.substring(0, q);
    }
    if (s.startsWith("/")) {
      s = s.substring(1);
    }
    int slash = s.indexOf('/');
    if (slash <= 0 || slash == s.length() - 1) {
      throw S3Error.INVALID_ARGUMENT.exception("Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
    }
    return new String[] {S3Paths.decode(s.substring(0, slash), false), S3Paths.decode(s.substring(slash + 1), false)};
  }

  void copy(S3Call c) throws IOException {
    String[] src = copySource(c);
    ObjectInfo so = h.store.head(c.ctx(), src[0], src[1]);
    Http.checkCopySource(c, so);
    String directive = c.header("x-amz-metadata-directive");
    boolean replace = directive != null && directive.equalsIgnoreCase("REPLACE");
    if (directive != null && !replace && !directive.equalsIgnoreCase("COPY")) {
      throw S3Error.INVALID_ARGUMENT.exception("Unknown metadata directive.");
    }
    if (!replace && src[0].equals(c.bucket) && src[1].equals(c.key)) {
      throw S3Error.INVALID_REQUEST.exception("This copy request is illegal because it is trying to copy an object to itself without changing "
          + "the object's metadata, storage class, website redirect location or encryption attributes.");
    }
    ObjectMeta meta = null;
    if (replace) {
      ObjectMeta old = so.meta() == null ? ObjectMeta.EMPTY : so.meta();
      meta = Http.metaFrom(c).withEtag(old.etag()).withChecksums(old.checksums());
    }
    ObjectInfo o = h.store.copy(c.ctx(), src[0], src[1], c.bucket, c.key, meta, putCondition(c));
    c.xml(200, Xml.root("CopyObjectResult").el("LastModified", Http.iso(o.modified())).el("ETag", Http.quote(o.etag()))
        .end("CopyObjectResult"));
  }

  // ---- DELETE ----

  void delete(S3Call c) throws IOException {
    h.store.delete(c.ctx(), c.bucket, c.key);
    c.empty(204);
  }

  void deleteObjects(S3Call c) throws IOException {
    Element root = Xml.parse(c.xmlBody(), "Delete");
    boolean quiet = "true".equalsIgnoreCase(trim(Xml.text(root, "Quiet")));
    List<Element> objects = Xml.children(root, "Object");
    if (objects.isEmpty() || objects.size() > MAX_DELETE) {
      throw S3Error.MALFORMED_XML.exception();
    }
    Xml x = Xml.root("DeleteResult");
    for (Element o : objects) {
      String key = Xml.text(o, "Key");
      if (key == null || key.isEmpty()) {
        throw S3Error.MALFORMED_XML.exception();
      }
      try {
        h.store.delete(c.ctx(), c.bucket, key);
        if (!quiet) {
          x.open("Deleted").el("Key", key).close("Deleted");
        }
      } catch (S3Exception e) {
        x.open("Error").el("Key", key).el("Code", e.error().code()).el("Message", e.getMessage()).close("Error");
      } catch (FsException e) {
        S3Exception s = S3Errors.of(e, c.bucket, key);
        if (s.error() == S3Error.NO_SUCH_BUCKET) {
          throw s; // the bucket itself is gone: the whole request fails, as S3
        }
        x.open("Error").el("Key", key).el("Code", s.error().code()).el("Message", s.getMessage()).close("Error");
      }
    }
    c.xml(200, x.end("DeleteResult"));
  }

  private static String trim(String s) {
    return s == null ? null : s.trim();
  }

  // ---- tagging ----

  void getTags(S3Call c) throws IOException {
    Map<String, String> tags = h.store.tags(c.ctx(), c.bucket, c.key);
    Xml x = Xml.root("Tagging").open("TagSet");
    for (Map.Entry<String, String> e : tags.entrySet()) {
      x.open("Tag").el("Key", e.getKey()).el("Value", e.getValue()).close("Tag");
    }
    c.xml(200, x.close("TagSet").end("Tagging"));
  }

  void putTags(S3Call c) throws IOException {
    Element root = Xml.parse(c.xmlBody(), "Tagging");
    List<Element> sets = Xml.children(root, "TagSet");
    if (sets.size() != 1) {
      throw S3Error.MALFORMED_XML.exception();
    }
    Map<String, String> tags = new LinkedHashMap<>();
    for (Element t : Xml.children(sets.getFirst(), "Tag")) {
      String k = Xml.text(t, "Key");
      String v = Xml.text(t, "Value");
      if (k == null || v == null) {
        throw S3Error.MALFORMED_XML.exception();
      }
      if (tags.put(k, v) != null) {
        throw S3Error.INVALID_TAG.exception("Cannot provide multiple Tags with the same key");
      }
    }
    Tags.validate(tags);
    h.store.setTags(c.ctx(), c.bucket, c.key, tags);
    c.empty(200);
  }

  void deleteTags(S3Call c) throws IOException {
    h.store.setTags(c.ctx(), c.bucket, c.key, Map.of());
    c.empty(204);
  }
}
