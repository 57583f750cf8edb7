package io.nectarfs.gateway.s3;

/** The S3 operation a request asks for, from its method, whether it names a bucket and a key, and its sub-resource parameters. */
enum Route {
  ListBuckets(true),
  CreateBucket(false),
  DeleteBucket(false),
  HeadBucket(true),
  GetBucketLocation(true),
  GetBucketVersioning(true),
  GetBucketAcl(true),
  GetObjectAcl(true),
  ListObjects(true),
  ListObjectsV2(true),
  ListMultipartUploads(true),
  DeleteObjects(false),
  GetObject(true),
  HeadObject(true),
  PutObject(false),
  CopyObject(false),
  DeleteObject(false),
  GetObjectTagging(true),
  PutObjectTagging(false),
  DeleteObjectTagging(false),
  CreateMultipartUpload(false),
  UploadPart(false),
  UploadPartCopy(false),
  ListParts(true),
  CompleteMultipartUpload(false),
  AbortMultipartUpload(false),
  NotImplemented(true);

  /** Bucket sub-resources the gateway does not serve (answered NotImplemented, never taken for a listing). */
  private static final java.util.Set<String> UNSUPPORTED_BUCKET = java.util.Set.of("acl", "policy", "cors", "lifecycle", "website",
      "replication", "encryption", "logging", "notification", "tagging", "versions", "object-lock", "accelerate", "requestPayment",
      "analytics", "inventory", "metrics", "ownershipControls", "publicAccessBlock", "intelligent-tiering", "policyStatus");
  private static final java.util.Set<String> UNSUPPORTED_OBJECT = java.util.Set.of("acl", "retention", "legal-hold", "torrent", "restore",
      "select", "attributes");

  private final boolean read;

  Route(boolean read) {
    this.read = read;
  }

  /** Whether the operation only reads (allowed to read-only keys and, on public buckets, to anonymous callers). */
  boolean read() {
    return read;
  }

  static Route of(S3Call c) throws S3Exception {
    String m = c.method;
    if (c.bucket == null) {
      return switch (m) {
        case "GET" -> ListBuckets;
        default -> throw S3Error.METHOD_NOT_ALLOWED.exception();
      };
    }
    if (c.key == null) {
      if (m.equals("GET") && c.has("acl")) {
        return GetBucketAcl;
      }
      for (String p : UNSUPPORTED_BUCKET) {
        if (c.has(p)) {
          return NotImplemented;
        }
      }
      return switch (m) {
        case "GET" -> c.has("location") ? GetBucketLocation
            : c.has("versioning") ? GetBucketVersioning
            : c.has("uploads") ? ListMultipartUploads
            : "2".equals(c.param("list-type")) ? ListObjectsV2 : ListObjects;
        case "HEAD" -> HeadBucket;
        case "PUT" -> c.has("versioning") ? NotImplemented : CreateBucket;
        case "DELETE" -> DeleteBucket;
        case "POST" -> c.has("delete") ? DeleteObjects : NotImplemented;
        default -> throw S3Error.METHOD_NOT_ALLOWED.exception();
      };
    }
    if (m.equals("GET") && c.has("acl")) {
      return GetObjectAcl;
    }
    for (String p : UNSUPPORTED_OBJECT) {
      if (c.has(p)) {
        return NotImplemented;
      }
    }
    return switch (m) {
      case "GET" -> c.has("tagging") ? GetObjectTagging : c.has("uploadId") ? ListParts : GetObject;
      case "HEAD" -> HeadObject;
      case "PUT" -> c.has("tagging") ? PutObjectTagging
          : c.has("uploadId") && c.has("partNumber") ? (c.header("x-amz-copy-source") != null ? UploadPartCopy : UploadPart)
          : c.header("x-amz-copy-source") != null ? CopyObject : PutObject;
      case "DELETE" -> c.has("tagging") ? DeleteObjectTagging : c.has("uploadId") ? AbortMultipartUpload : DeleteObject;
      case "POST" -> c.has("uploads") ? CreateMultipartUpload : c.has("uploadId") ? CompleteMultipartUpload : NotImplemented;
      default -> throw S3Error.METHOD_NOT_ALLOWED.exception();
    };
  }
}
