package io.nectarfs.gateway.s3.conformance;

/**
 * A known difference between a target and AWS S3, one per conformance case that the target fails.
 * The text says what AWS does and what the target does instead; {@code docs/s3-conformance.md}
 * holds the same list. The gateway's target lists none: it must behave as AWS.
 */
public enum Deviation {
  BUCKET_NAMES("AWS: CreateBucket with a name breaking the naming rules is 400 InvalidBucketName; target: accepts some of them"),
  TAGGING("AWS: object tags set on PUT (x-amz-tagging) and by PutObjectTagging are kept and returned; target: not kept"),
  AWS_CHUNKED_TRAILER("AWS: accepts what current SDKs send by default, an aws-chunked body with x-amz-content-sha256 STREAMING-UNSIGNED-PAYLOAD-TRAILER (or its signed form) and an x-amz-checksum-crc32 trailer; target: 400 XAmzContentSHA256Mismatch, so the suite's client must be set to checksums WHEN_REQUIRED"),
  CHECKSUMS("AWS: verifies x-amz-checksum-{crc32,crc32c,crc64nvme,sha1,sha256} (header or trailer; a wrong value is 400 BadDigest) and returns it on GET/HEAD with x-amz-checksum-mode: ENABLED; target: 501 NotImplemented for the header, rejects the trailer, returns none"),
  CONDITION_PRECEDENCE("AWS: GET/HEAD with If-Match true and If-Unmodified-Since false is 200 (If-Match wins); target: 304"),
  MALFORMED_XML("AWS: a request body that is not well-formed XML (DeleteObjects, CompleteMultipartUpload) is 400 MalformedXML; target: 500 with an HTML page"),
  DIRECTORY_MARKER("AWS: a marker object 'dir/' is listed under prefix 'dir/' next to the keys below it; target: leaves it out once the prefix holds other keys"),
  LIST_PARTS_PAGING("AWS: ListParts honours max-parts and part-number-marker; target: returns every part"),
  ABORTED_UPLOAD("AWS: an aborted or completed upload is gone (ListParts, UploadPart, Complete: 404 NoSuchUpload); target: still answers ListParts"),
  PART_ORDER("AWS: CompleteMultipartUpload with parts out of ascending order is 400 InvalidPartOrder; target: completes"),
  ERROR_RESOURCE("AWS: error bodies name the resource (<Key> for NoSuchKey, <BucketName> for NoSuchBucket); target: leaves it out"),
  RANGE_SYNTAX("AWS: a Range header it cannot parse is ignored (200, the whole object); target: 400"),
  MULTIPART_ETAG("AWS: a completed multipart object's ETag is the MD5 of the parts' MD5s, '-' and the part count; target: answers that to CompleteMultipartUpload, but HEAD, GET and listings give the MD5 of the whole content"),
  LIST_PAGING_ACROSS_LEVELS("AWS: ListObjectsV2 without a delimiter pages through keys at every depth in order; target: with encoding-type=url (the aws CLI's and boto3's default) the continuation token is URL-encoded too, so a page ending on 'sub dir/a b.txt' resumes after 'sub+dir/...' and skips keys"),
  SIGNED_CONTENT_TYPE("AWS: a request whose signed Content-Type has parameters ('text/plain; charset=utf-8', as rclone sends for .txt files) verifies; target: 403 SignatureDoesNotMatch (its HTTP layer seems to rewrite the header before the check)"),
  KEY_LENGTH("AWS: a key longer than 1024 bytes is 400 KeyTooLongError; target: stores it"),
  CHUNK_SIGNATURE("AWS: an aws-chunked body whose chunk does not match its chunk signature is 403 SignatureDoesNotMatch and nothing is stored; target: stores the altered bytes"),
  CONDITIONAL_PUT("AWS: PUT with If-None-Match: * on an existing key, or If-Match with another ETag, is 412 PreconditionFailed; target: overwrites");

  private final String description;

  Deviation(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }
}
