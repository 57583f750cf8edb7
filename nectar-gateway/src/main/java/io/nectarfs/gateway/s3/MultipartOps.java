package io.nectarfs.gateway.s3;

import io.nectarfs.gateway.s3.auth.VerifiedBody;
import io.nectarfs.gateway.s3.store.BucketStore.ObjectInfo;
import io.nectarfs.gateway.s3.store.Multipart;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.w3c.dom.Element;

/** Create, UploadPart, UploadPartCopy, ListParts, ListMultipartUploads, Complete and Abort. */
final class MultipartOps {
  static final int MAX_PARTS = 10_000;

  private final S3Handler h;

  MultipartOps(S3Handler h) {
    this.h = h;
  }

  private Multipart mp() {
    return h.store.multipart();
  }

  void create(S3Call c) throws IOException {
    String id = mp().create(c.ctx(), c.bucket, c.key, Http.metaFrom(c));
    c.xml(200, Xml.root("InitiateMultipartUploadResult").el("Bucket", c.bucket).el("Key", c.key).el("UploadId", id)
        .end("InitiateMultipartUploadResult"));
  }

  private static int partNumber(S3Call c) throws S3Exception {
    try {
      int n = Integer.parseInt(c.param("partNumber"));
      if (n >= 1 && n <= MAX_PARTS) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw S3Error.INVALID_ARGUMENT.exception("Part number must be an integer between 1 and 10000, inclusive");
  }

  void uploadPart(S3Call c) throws IOException {
    int n = partNumber(c);
    if (c.request.getLength() < 0 && c.header("x-amz-decoded-content-length") == null) {
      throw S3Error.MISSING_CONTENT_LENGTH.exception();
    }
    VerifiedBody body = c.body();
    Multipart.Part p;
    try (body) {
      p = mp().uploadPart(c.ctx(), c.bucket, c.key, c.param("uploadId"), n, body, body::md5Hex);
    }
    c.header("ETag", Http.quote(p.etag()));
    Http.checksumHeaders(c, body.checksums());
    c.empty(200);
  }

  void copyPart(S3Call c) throws IOException {
    int n = partNumber(c);
    String[] src = ObjectOps.copySource(c);
    ObjectInfo so = h.store.head(c.ctx(), src[0], src[1]);
    Http.checkCopySource(c, so);
    long first = -1;
    long last = -1;
    String range = c.header("x-amz-copy-source-range");
    if (range != null) {
      long[] r = copyRange(range, so.size());
      first = r[0];
      last = r[1];
    }
    Multipart.Part p = range == null
        ? mp().copyPart(c.ctx(), c.bucket, c.key, c.param("uploadId"), n, src[0], src[1], 0, so.size() - 1)
        : mp().copyPart(c.ctx(), c.bucket, c.key, c.param("uploadId"), n, src[0], src[1], first, last);
    c.xml(200, Xml.root("CopyPartResult").el("LastModified", Http.iso(p.modified())).el("ETag", Http.quote(p.etag())).end("CopyPartResult"));
  }

  /** x-amz-copy-source-range: exactly {@code bytes=first-last} inside the source (S3 refuses other forms). */
  static long[] copyRange(String h, long size) throws S3Exception {
    String s = h.trim();
    int dash = s.indexOf('-');
    if (!s.startsWith("bytes=") || dash < 0) {
      throw S3Error.INVALID_ARGUMENT.exception("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy");
    }
    try {
      long first = Long.parseLong(s.substring(6, dash).trim());
      long last = Long.parseLong(s.substring(dash + 1).trim());
      if (first < 0 || last < first) {
        throw S3Error.INVALID_ARGUMENT.exception("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy");
      }
      if (last >= size) {
        throw S3Error.INVALID_RANGE.exception("The requested range is not satisfiable");
      }
      return new long[] {first, last};
    } catch (NumberFormatException e) {
      throw S3Error.INVALID_ARGUMENT.exception("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy");
    }
  }

  void parts(S3Call c) throws IOException {
    int max = BucketOps.maxKeys(c.param("max-parts"), "max-parts");
    int marker = 0;
    if (c.param("part-number-marker") != null) {
      try {
        marker = Integer.parseInt(c.param("part-number-marker"));
      } catch (NumberFormatException e) {
        throw S3Error.INVALID_ARGUMENT.exception("Provided part-number-marker not an integer or within integer range");
      }
    }
    Multipart.PartPage page = mp().parts(c.ctx(), c.bucket, c.key, c.param("uploadId"), marker, max);
    Xml x = Xml.root("ListPartsResult").el("Bucket", c.bucket).el("Key", c.key).el("UploadId", c.param("uploadId"))
        .open("Initiator").el("ID", BucketOps.owner(c.principal.uid())).el("DisplayName", c.principal.accessKey()).close("Initiator")
        .open("Owner").el("ID", BucketOps.owner(c.principal.uid())).el("DisplayName", c.principal.accessKey()).close("Owner")
        .el("StorageClass", "STANDARD").el("PartNumberMarker", marker).el("NextPartNumberMarker", page.nextMarker())
        .el("MaxParts", max).el("IsTruncated", page.truncated());
    for (Multipart.Part p : page.parts()) {
      x.open("Part").el("PartNumber", p.number()).el("LastModified", Http.iso(p.modified())).el("ETag", Http.quote(p.etag()))
          .el("Size", p.size()).close("Part");
    }
    c.xml(200, x.end("ListPartsResult"));
  }

  void uploads(S3Call c) throws IOException {
    int max = BucketOps.maxKeys(c.param("max-uploads"), "max-uploads");
    String prefix = c.param("prefix") == null ? "" : c.param("prefix");
    String delimiter = c.param("delimiter") == null || c.param("delimiter").isEmpty() ? null : c.param("delimiter");
    boolean url = "url".equals(c.param("encoding-type"));
    Multipart.UploadPage page = mp().uploads(c.ctx(), c.bucket, prefix, delimiter, c.param("key-marker"), c.param("upload-id-marker"), max);
    Xml x = Xml.root("ListMultipartUploadsResult").el("Bucket", c.bucket)
        .el("KeyMarker", BucketOps.enc(c.param("key-marker") == null ? "" : c.param("key-marker"), url))
        .el("UploadIdMarker", c.param("upload-id-marker") == null ? "" : c.param("upload-id-marker"))
        .el("NextKeyMarker", BucketOps.enc(page.nextKeyMarker() == null ? "" : page.nextKeyMarker(), url))
        .el("NextUploadIdMarker", page.nextUploadIdMarker() == null ? "" : page.nextUploadIdMarker())
        .el("Prefix", BucketOps.enc(prefix, url));
    if (delimiter != null) {
      x.el("Delimiter", BucketOps.enc(delimiter, url));
    }
    x.el("MaxUploads", max);
    if (url) {
      x.el("EncodingType", "url");
    }
    x.el("IsTruncated", page.truncated());
    for (Multipart.Upload u : page.uploads()) {
      String owner = BucketOps.owner(u.ownerUid());
      x.open("Upload").el("Key", BucketOps.enc(u.key(), url)).el("UploadId", u.uploadId())
          .open("Initiator").el("ID", owner).el("DisplayName", owner).close("Initiator")
          .open("Owner").el("ID", owner).el("DisplayName", owner).close("Owner")
          .el("StorageClass", "STANDARD").el("Initiated", Http.iso(u.initiated())).close("Upload");
    }
    for (String p : page.commonPrefixes()) {
      x.open("CommonPrefixes").el("Prefix", BucketOps.enc(p, url)).close("CommonPrefixes");
    }
    c.xml(200, x.end("ListMultipartUploadsResult"));
  }

  void complete(S3Call c) throws IOException {
    Element root = Xml.parse(c.xmlBody(), "CompleteMultipartUpload");
    List<Multipart.Part> parts = new ArrayList<>();
    for (Element p : Xml.children(root, "Part")) {
      String num = Xml.text(p, "PartNumber");
      String etag = Xml.text(p, "ETag");
      if (num == null || etag == null) {
        throw S3Error.MALFORMED_XML.exception();
      }
      int n;
      try {
        n = Integer.parseInt(num.trim());
      } catch (NumberFormatException e) {
        throw S3Error.MALFORMED_XML.exception();
      }
      parts.add(new Multipart.Part(n, -1, Http.unquote(etag), null));
    }
    if (parts.isEmpty() || parts.size() > MAX_PARTS) {
      throw S3Error.MALFORMED_XML.exception();
    }
    ObjectInfo o = mp().complete(c.ctx(), c.bucket, c.key, c.param("uploadId"), parts, ObjectOps.putCondition(c));
    String location = (c.request.isSecure() ? "https://" : "http://") + c.header("Host") + "/" + S3Paths.urlEncode(c.bucket) + "/"
        + S3Paths.urlEncode(c.key).replace("+", "%20");
    c.xml(200, Xml.root("CompleteMultipartUploadResult").el("Location", location).el("Bucket", c.bucket).el("Key", c.key)
        .el("ETag", Http.quote(o.etag())).end("CompleteMultipartUploadResult"));
  }

  void abort(S3Call c) throws IOException {
    mp().abort(c.ctx(), c.bucket, c.key, c.param("uploadId"));
    c.empty(204);
  }
}
