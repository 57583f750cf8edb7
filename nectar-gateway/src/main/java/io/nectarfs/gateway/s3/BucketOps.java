package io.nectarfs.gateway.s3;

import io.nectarfs.gateway.s3.store.BucketStore;
import io.nectarfs.gateway.s3.store.BucketStore.ListRequest;
import io.nectarfs.gateway.s3.store.BucketStore.ListResult;
import io.nectarfs.gateway.s3.store.BucketStore.ObjectInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** ListBuckets, Create/Delete/HeadBucket, GetBucketLocation, GetBucketVersioning, ListObjects V1 and V2. */
final class BucketOps {
  static final int MAX_KEYS = 1000;

  private final S3Handler h;

  BucketOps(S3Handler h) {
    this.h = h;
  }

  void listBuckets(S3Call c) throws IOException {
    Xml x = Xml.root("ListAllMyBucketsResult").open("Owner").el("ID", owner(c.principal.uid())).el("DisplayName", displayName(c))
        .close("Owner").open("Buckets");
    for (BucketStore.Bucket b : h.store.buckets(c.ctx())) {
      x.open("Bucket").el("Name", b.name()).el("CreationDate", Http.iso(b.created())).el("BucketRegion", h.options.region()).close("Bucket");
    }
    c.xml(200, x.close("Buckets").end("ListAllMyBucketsResult"));
  }

  void create(S3Call c) throws IOException {
    byte[] body = c.xmlBody();
    if (body.length > 0) {
      // CreateBucketConfiguration: only our own region (or none) is a valid LocationConstraint
      String loc = Xml.text(Xml.parse(body, "CreateBucketConfiguration"), "LocationConstraint");
      if (loc != null && !loc.isEmpty() && !loc.equals(h.options.region())) {
        throw S3Error.INVALID_ARGUMENT.exception("The specified location-constraint is not valid for this endpoint's region " + h.options.region() + ".");
      }
    }
    h.store.createBucket(c.ctx(), c.bucket);
    c.header("Location", "/" + c.bucket);
    c.empty(200);
  }

  void delete(S3Call c) throws IOException {
    h.store.deleteBucket(c.ctx(), c.bucket);
    c.empty(204);
  }

  void head(S3Call c) throws IOException {
    h.store.headBucket(c.ctx(), c.bucket);
    c.header("x-amz-bucket-region", h.options.region());
    c.empty(200);
  }

  void location(S3Call c) throws IOException {
    h.store.headBucket(c.ctx(), c.bucket);
    String r = h.options.region();
    // S3 answers an empty constraint for us-east-1
    c.xml(200, Xml.root("LocationConstraint").text(r.equals("us-east-1") ? "" : r).end("LocationConstraint"));
  }

  void versioning(S3Call c) throws IOException {
    h.store.headBucket(c.ctx(), c.bucket);
    c.xml(200, Xml.root("VersioningConfiguration").end("VersioningConfiguration"));
  }

  /** What an ACL lookup needs of the handler: the owner uid of the object. */
  interface OwnerOf {
    int uid(S3Handler h) throws IOException;
  }

  /**
   * GetBucketAcl / GetObjectAcl: the volume's permissions are what apply, so the answer is the
   * fixed "owner has FULL_CONTROL" that tools ask for (s3cmd info, GUI clients); a missing bucket
   * or key is still NoSuchBucket / NoSuchKey.
   */
  void acl(S3Call c, OwnerOf object) throws IOException {
    h.store.headBucket(c.ctx(), c.bucket);
    String owner = owner(object == null ? c.principal.uid() : object.uid(h));
    c.xml(200, Xml.root("AccessControlPolicy").open("Owner").el("ID", owner).el("DisplayName", owner).close("Owner")
        .open("AccessControlList")
        .raw("<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\">")
        .el("ID", owner).el("DisplayName", owner).raw("</Grantee>").el("Permission", "FULL_CONTROL").raw("</Grant>")
        .close("AccessControlList").end("AccessControlPolicy"));
  }

  void list(S3Call c, boolean v2) throws IOException {
    String prefix = c.param("prefix") == null ? "" : c.param("prefix");
    String delimiter = c.param("delimiter") == null || c.param("delimiter").isEmpty() ? null : c.param("delimiter");
    int max = maxKeys(c.param("max-keys"), "max-keys");
    String enc = c.param("encoding-type");
    if (enc != null && !enc.equals("url")) {
      throw S3Error.INVALID_ARGUMENT.exception("Invalid Encoding Method specified in Request");
    }
    boolean url = enc != null;
    String token = v2 ? c.param("continuation-token") : null;
    String after = v2 ? (token != null ? fromToken(token) : c.param("start-after")) : c.param("marker");
    ListResult r = h.store.list(c.ctx(), c.bucket, new ListRequest(prefix, delimiter, after == null || after.isEmpty() ? null : after, max));
    String root = "ListBucketResult";
    Xml x = Xml.root(root).el("Name", c.bucket).el("Prefix", enc(prefix, url));
    if (v2) {
      if (token != null) {
        x.el("ContinuationToken", token);
      }
      if (c.param("start-after") != null) {
        x.el("StartAfter", enc(c.param("start-after"), url));
      }
      x.el("KeyCount", r.objects().size() + r.commonPrefixes().size());
    } else {
      x.el("Marker", enc(c.param("marker") == null ? "" : c.param("marker"), url));
    }
    x.el("MaxKeys", max);
    if (delimiter != null) {
      x.el("Delimiter", enc(delimiter, url));
    }
    if (url) {
      x.el("EncodingType", "url");
    }
    x.el("IsTruncated", r.truncated());
    if (r.truncated() && r.next() != null) {
      if (v2) {
        x.el("NextContinuationToken", toToken(r.next()));
      } else {
        x.el("NextMarker", enc(r.next(), url));
      }
    }
    boolean owner = !v2 || "true".equals(c.param("fetch-owner"));
    for (ObjectInfo o : r.objects()) {
      x.open("Contents").el("Key", enc(o.key(), url)).el("LastModified", Http.iso(o.modified())).el("ETag", Http.quote(o.etag()))
          .el("Size", o.size());
      if (owner) {
        x.open("Owner").el("ID", owner(o.uid())).el("DisplayName", Integer.toString(o.uid())).close("Owner");
      }
      x.el("StorageClass", "STANDARD").close("Contents");
    }
    for (String p : r.commonPrefixes()) {
      x.open("CommonPrefixes").el("Prefix", enc(p, url)).close("CommonPrefixes");
    }
    c.xml(200, x.end(root));
  }

  /** max-keys (or max-uploads, max-parts): a non-negative integer, at most 1000 used. */
  static int maxKeys(String v, String name) throws S3Exception {
    if (v == null) {
      return MAX_KEYS;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < 0) {
        throw S3Error.INVALID_ARGUMENT.exception("Argument " + name + " must be an integer between 0 and 2147483647");
      }
      return Math.min(n, MAX_KEYS);
    } catch (NumberFormatException e) {
      throw S3Error.INVALID_ARGUMENT.exception("Provided " + name + " not an integer or within integer range");
    }
  }

  static String enc(String s, boolean url) {
    return s == null ? null : url ? S3Paths.urlEncode(s) : s;
  }

  /** A V2 continuation token: opaque to clients, the base64 of the key listing resumes after. */
  static String toToken(String key) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
  }

  static String fromToken(String token) throws S3Exception {
    try {
      return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw S3Error.INVALID_ARGUMENT.exception("The continuation token provided is incorrect");
    }
  }

  /** The canonical owner ID of a uid (S3's owner IDs are opaque strings). */
  static String owner(int uid) {
    return Integer.toString(uid);
  }

  private static String displayName(S3Call c) {
    return c.principal.anonymous() ? "anonymous" : c.principal.accessKey();
  }
}
