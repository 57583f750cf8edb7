package io.nectarfs.gateway.s3.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.Tag;
import software.amazon.awssdk.services.s3.model.Tagging;

/** Buckets, single objects, metadata, tagging, checksums, conditions, ranges, batch delete, markers. */
abstract class ObjectCases extends SuiteBase {

  // ---- buckets

  @Test
  void createBucket_twice_isBucketAlreadyOwnedByYou() {
    Assumptions.assumeTrue(target.canCreateBuckets(), "target cannot create buckets");
    assertS3Error(() -> s3.createBucket(b -> b.bucket(bucket)), 409, "BucketAlreadyOwnedByYou");
    assertThat(s3.listBuckets().buckets()).extracting(x -> x.name()).contains(bucket);
    s3.headBucket(b -> b.bucket(bucket));
  }

  @Test
  void deleteBucket_notEmpty_isBucketNotEmpty_andMissing_isNoSuchBucket() {
    Assumptions.assumeTrue(target.canCreateBuckets(), "target cannot create buckets");
    put("x", "x");
    assertS3Error(() -> s3.deleteBucket(b -> b.bucket(bucket)), 409, "BucketNotEmpty");
    String other = newBucketName();
    assertS3Error(() -> s3.deleteBucket(b -> b.bucket(other)), 404, "NoSuchBucket");
    assertS3Error(() -> s3.headBucket(b -> b.bucket(other)), 404, null);
    assertS3Error(() -> s3.putObject(b -> b.bucket(other).key("k"), RequestBody.fromString("x")), 404, "NoSuchBucket");
    assertS3Error(() -> s3.listObjectsV2(b -> b.bucket(other)), 404, "NoSuchBucket");
  }

  @Test
  void createBucket_invalidNames_areInvalidBucketName() throws Throwable {
    Assumptions.assumeTrue(target.canCreateBuckets(), "target cannot create buckets");
    List<String> invalid = List.of("ab", "Upper-Case", "under_score", "-leading", "trailing-", "two..dots", "192.168.5.4",
        "a234567890123456789012345678901234567890123456789012345678901234");
    expect(Deviation.BUCKET_NAMES, () -> {
      for (String name : invalid) {
        RawS3.Response r = raw.request("PUT", "/" + name).send();
        if (r.status() == 200) {
          raw.request("DELETE", "/" + name).send(); // a target that took it: leave nothing behind
        }
        assertRawError(r, 400, "InvalidBucketName");
      }
    });
  }

  @Test
  void getBucketLocation_isTheRegion_andListBucketsHasCreationDates() {
    String loc = s3.getBucketLocation(b -> b.bucket(bucket)).locationConstraintAsString();
    // us-east-1 is answered as an empty LocationConstraint by AWS
    assertThat(loc == null ? "" : loc).isIn("", target.region().equals("us-east-1") ? "" : target.region());
    assertThat(s3.listBuckets().buckets()).filteredOn(x -> x.name().equals(bucket)).singleElement()
        .satisfies(x -> assertThat(x.creationDate()).isAfter(Instant.parse("2020-01-01T00:00:00Z")));
  }

  // ---- put / get / head / delete

  @Test
  void putGetHeadDelete_roundTrip_withMd5Etag() {
    byte[] data = random(100_000, 1);
    String etag = put("obj", data).eTag();
    assertThat(etag).isEqualTo(etagOf(data));
    ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key("obj")));
    assertThat(got.asByteArray()).isEqualTo(data);
    assertThat(got.response().eTag()).isEqualTo(etag);
    assertThat(got.response().contentLength()).isEqualTo(data.length);
    HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(key("obj")));
    assertThat(head.contentLength()).isEqualTo(data.length);
    assertThat(head.eTag()).isEqualTo(etag);
    assertThat(head.lastModified()).isNotNull();
    s3.deleteObject(b -> b.bucket(bucket).key(key("obj")));
    assertS3Error(() -> s3.getObject(b -> b.bucket(bucket).key(key("obj"))), 404, "NoSuchKey");
    assertS3Error(() -> s3.headObject(b -> b.bucket(bucket).key(key("obj"))), 404, null);
    s3.deleteObject(b -> b.bucket(bucket).key(key("obj"))); // deleting a missing key is a success
  }

  @Test
  void put_withUnsignedPayload_isAccepted() throws Exception {
    RawS3.Response r = raw.request("PUT", path("u")).header("Content-Type", "text/plain").unsignedPayload().body("unsigned").send();
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(get("u")).asString(StandardCharsets.UTF_8).isEqualTo("unsigned");
  }

  @Test
  void put_signedAwsChunked_isDecoded_andABadChunkSignatureIsRefused() throws Throwable {
    byte[] data = random(200_000, 6); // several chunks
    RawS3.Response ok = raw.request("PUT", path("chunks")).body(data).signedChunks(b -> b).send();
    assertThat(ok.status()).as("%s", ok).isEqualTo(200);
    assertThat(ok.header("ETag")).contains(etagOf(data));
    assertThat(get("chunks")).isEqualTo(data);
    // one payload byte changed: the chunk's signature no longer matches, nothing is replaced
    expect(Deviation.CHUNK_SIGNATURE, () -> {
      RawS3.Response bad = raw.request("PUT", path("chunks")).body(random(200_000, 7)).signedChunks(b -> {
        byte[] c = b.clone();
        c[c.length / 2] ^= 1;
        return c;
      }).send();
      assertRawError(bad, 403, "SignatureDoesNotMatch");
      assertThat(get("chunks")).isEqualTo(data);
    });
  }

  @Test
  void put_signedContentTypeWithParameters_verifies() throws Throwable {
    expect(Deviation.SIGNED_CONTENT_TYPE, () -> {
      RawS3.Response r = raw.request("PUT", path("ct")).header("Content-Type", "text/plain; charset=utf-8").unsignedPayload().body("typed").send();
      assertThat(r.status()).as("%s", r).isEqualTo(200);
      assertThat(s3.headObject(b -> b.bucket(bucket).key(key("ct"))).contentType()).isEqualTo("text/plain; charset=utf-8");
    });
  }

  @Test
  void put_keyOver1024Bytes_isKeyTooLongError() throws Throwable {
    // components of at most 200 bytes, so only the key's length is at stake, not a file name's
    String ok = longName(1024 - base.length());
    assertThat(raw.request("PUT", path(ok)).body("x").send().status()).isEqualTo(200);
    assertThat(get(ok)).asString(StandardCharsets.UTF_8).isEqualTo("x");
    String tooLong = longName(1025 - base.length());
    expect(Deviation.KEY_LENGTH, () -> {
      RawS3.Response r = raw.request("PUT", path(tooLong)).body("x").send();
      if (r.status() == 200) {
        s3.deleteObject(b -> b.bucket(bucket).key(key(tooLong)));
      }
      assertRawError(r, 400, "KeyTooLongError");
    });
  }

  /** A name of exactly {@code length} bytes: 199 'k's and a '/' repeated, ending in 'k'. */
  private static String longName(int length) {
    StringBuilder sb = new StringBuilder();
    while (sb.length() < length) {
      sb.append(sb.length() % 200 == 199 && sb.length() < length - 1 ? '/' : 'k');
    }
    return sb.toString();
  }

  @Test
  void put_emptyObject_andOverwrite() {
    assertThat(put("e", new byte[0]).eTag()).isEqualTo("\"d41d8cd98f00b204e9800998ecf8427e\"");
    assertThat(get("e")).isEmpty();
    put("e", "second");
    assertThat(get("e")).asString(StandardCharsets.UTF_8).isEqualTo("second");
  }

  @Test
  void userMetadata_andContentHeaders_areKept() {
    s3.putObject(b -> b.bucket(bucket).key(key("m")).metadata(Map.of("color", "blue", "two-words", "x y"))
        .contentType("text/x-test").contentEncoding("identity").contentDisposition("attachment; filename=\"m.txt\"")
        .cacheControl("max-age=60").contentLanguage("en"), RequestBody.fromString("meta"));
    HeadObjectResponse h = s3.headObject(b -> b.bucket(bucket).key(key("m")));
    assertThat(h.metadata()).containsEntry("color", "blue").containsEntry("two-words", "x y");
    assertThat(h.contentType()).isEqualTo("text/x-test");
    assertThat(h.contentEncoding()).isEqualTo("identity");
    assertThat(h.contentDisposition()).isEqualTo("attachment; filename=\"m.txt\"");
    assertThat(h.cacheControl()).isEqualTo("max-age=60");
    assertThat(h.contentLanguage()).isEqualTo("en");
    GetObjectResponse g = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key("m"))).response();
    assertThat(g.metadata()).containsEntry("color", "blue");
    assertThat(g.contentType()).isEqualTo("text/x-test");
  }

  @Test
  void getObject_responseOverrides_setTheAnswerHeaders() {
    put("o", "x");
    GetObjectResponse g = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key("o")).responseContentType("application/x-over")
        .responseContentDisposition("inline").responseCacheControl("no-store")).response();
    assertThat(g.contentType()).isEqualTo("application/x-over");
    assertThat(g.contentDisposition()).isEqualTo("inline");
    assertThat(g.cacheControl()).isEqualTo("no-store");
  }

  @Test
  void tagging_putGetDelete_andOnPut() throws Throwable {
    expect(Deviation.TAGGING, () -> {
      s3.putObject(b -> b.bucket(bucket).key(key("t")).tagging("a=1&b=two"), RequestBody.fromString("x"));
      assertThat(s3.getObjectTagging(b -> b.bucket(bucket).key(key("t"))).tagSet())
          .extracting(Tag::key, Tag::value).containsExactlyInAnyOrder(tuple("a", "1"),
              tuple("b", "two"));
      s3.putObjectTagging(b -> b.bucket(bucket).key(key("t")).tagging(Tagging.builder().tagSet(Tag.builder().key("k").value("v").build()).build()));
      assertThat(s3.getObjectTagging(b -> b.bucket(bucket).key(key("t"))).tagSet()).extracting(Tag::key).containsExactly("k");
      assertThat(s3.headObject(b -> b.bucket(bucket).key(key("t"))).metadata()).isEmpty();
      s3.deleteObjectTagging(b -> b.bucket(bucket).key(key("t")));
      assertThat(s3.getObjectTagging(b -> b.bucket(bucket).key(key("t"))).tagSet()).isEmpty();
    });
  }

  // ---- digests and checksums

  @Test
  void contentMd5_wrong_isBadDigest_andMalformed_isInvalidDigest() throws Exception {
    byte[] data = "payload".getBytes(StandardCharsets.UTF_8);
    String wrong = Base64.getEncoder().encodeToString(RawS3.digest("MD5", "other".getBytes(StandardCharsets.UTF_8)));
    assertRawError(raw.request("PUT", path("md5")).header("Content-MD5", wrong).body(data).send(), 400, "BadDigest");
    assertRawError(raw.request("PUT", path("md5")).header("Content-MD5", "not-base64!").body(data).send(), 400, "InvalidDigest");
    assertS3Error(() -> s3.headObject(b -> b.bucket(bucket).key(key("md5"))), 404, null);
    String right = Base64.getEncoder().encodeToString(RawS3.digest("MD5", data));
    assertThat(raw.request("PUT", path("md5")).header("Content-MD5", right).body(data).send().status()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"CRC32", "CRC32C", "SHA1", "SHA256"})
  void checksum_computedBySdk_isVerifiedStoredAndReturned(String algorithm) throws Throwable {
    ChecksumAlgorithm alg = ChecksumAlgorithm.fromValue(algorithm);
    byte[] data = random(300_000, 7);
    expect(Deviation.CHECKSUMS, () -> checksumRoundTrip(algorithm, alg, data));
  }

  private void checksumRoundTrip(String algorithm, ChecksumAlgorithm alg, byte[] data) {
    var resp = s3.putObject(b -> b.bucket(bucket).key(key("c")).checksumAlgorithm(alg), RequestBody.fromBytes(data));
    String sent = switch (algorithm) {
      case "CRC32" -> resp.checksumCRC32();
      case "CRC32C" -> resp.checksumCRC32C();
      case "SHA1" -> resp.checksumSHA1();
      default -> resp.checksumSHA256();
    };
    if (algorithm.startsWith("SHA")) {
      assertThat(sent).isEqualTo(Base64.getEncoder().encodeToString(RawS3.digest(algorithm.equals("SHA1") ? "SHA-1" : "SHA-256", data)));
    }
    assertThat(resp.eTag()).isEqualTo(etagOf(data));
    {
      HeadObjectResponse h = s3.headObject(b -> b.bucket(bucket).key(key("c")).checksumMode(ChecksumMode.ENABLED));
      String got = switch (algorithm) {
        case "CRC32" -> h.checksumCRC32();
        case "CRC32C" -> h.checksumCRC32C();
        case "SHA1" -> h.checksumSHA1();
        default -> h.checksumSHA256();
      };
      assertThat(got).as("%s on HEAD", algorithm).isNotNull().isEqualTo(sent);
    }
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key("c")).checksumMode(ChecksumMode.ENABLED)).asByteArray()).isEqualTo(data);
  }

  @Test
  void checksum_crc64nvme_inHeader_isVerifiedAndReturned() throws Throwable {
    byte[] data = random(70_000, 8);
    expect(Deviation.CHECKSUMS, () -> {
      RawS3.Response bad = raw.request("PUT", path("n")).header("x-amz-checksum-crc64nvme", Crc64Nvme.base64("x".getBytes(StandardCharsets.UTF_8))).body(data).send();
      assertRawError(bad, 400, "BadDigest");
      RawS3.Response ok = raw.request("PUT", path("n")).header("x-amz-checksum-crc64nvme", Crc64Nvme.base64(data)).body(data).send();
      assertThat(ok.status()).as("%s", ok).isEqualTo(200);
      RawS3.Response head = raw.request("HEAD", path("n")).header("x-amz-checksum-mode", "ENABLED").send();
      assertThat(head.header("x-amz-checksum-crc64nvme")).contains(Crc64Nvme.base64(data));
    });
  }

  @Test
  void checksum_wrongValueInHeader_isBadDigest_andNothingStored() throws Throwable {
    byte[] data = random(1000, 9);
    String wrongSha = Base64.getEncoder().encodeToString(RawS3.digest("SHA-256", "other".getBytes(StandardCharsets.UTF_8)));
    expect(Deviation.CHECKSUMS, () ->
        assertRawError(raw.request("PUT", path("w")).header("x-amz-checksum-sha256", wrongSha).body(data).send(), 400, "BadDigest"));
    assertS3Error(() -> s3.headObject(b -> b.bucket(bucket).key(key("w"))), 404, null);
  }

  @Test
  void payloadHash_mismatch_isXAmzContentSHA256Mismatch() throws Throwable {
    // signed over one body's hash, sent with another body of the same length
    RawS3.Response r = raw.request("PUT", path("h")).body("aaaa").sendInstead("bbbb".getBytes(StandardCharsets.UTF_8)).send();
    assertRawError(r, 400, "XAmzContentSHA256Mismatch");
    assertS3Error(() -> s3.headObject(b -> b.bucket(bucket).key(key("h"))), 404, null);
  }

  // ---- conditional requests

  @Test
  void conditionalGetAndHead_ifMatchIfNoneMatchIfModifiedSince() {
    String etag = put("c", "conditional").eTag();
    Instant past = Instant.now().minusSeconds(24 * 3600);
    Instant future = Instant.now().plusSeconds(24 * 3600);
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key("c")).ifMatch(etag)).asUtf8String()).isEqualTo("conditional");
    assertS3Error(() -> s3.getObject(b -> b.bucket(bucket).key(key("c")).ifMatch("\"0000\"")), 412, "PreconditionFailed");
    assertS3Error(() -> s3.getObject(b -> b.bucket(bucket).key(key("c")).ifNoneMatch(etag)), 304, null);
    assertS3Error(() -> s3.getObject(b -> b.bucket(bucket).key(key("c")).ifModifiedSince(future)), 304, null);
    assertS3Error(() -> s3.getObject(b -> b.bucket(bucket).key(key("c")).ifUnmodifiedSince(past)), 412, "PreconditionFailed");
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key("c")).ifModifiedSince(past)).asUtf8String()).isEqualTo("conditional");
    assertS3Error(() -> s3.headObject(b -> b.bucket(bucket).key(key("c")).ifMatch("\"0000\"")), 412, null);
    assertS3Error(() -> s3.headObject(b -> b.bucket(bucket).key(key("c")).ifNoneMatch(etag)), 304, null);
  }

  @Test
  void conditionalGet_ifMatchTrueWinsOverIfUnmodifiedSinceFalse() throws Throwable {
    String etag = put("c", "conditional").eTag();
    Instant past = Instant.now().minusSeconds(24 * 3600);
    expect(Deviation.CONDITION_PRECEDENCE, () -> {
      assertThat(s3.headObject(b -> b.bucket(bucket).key(key("c")).ifMatch(etag).ifUnmodifiedSince(past)).eTag()).isEqualTo(etag);
      assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key("c")).ifMatch(etag).ifUnmodifiedSince(past)).asUtf8String())
          .isEqualTo("conditional");
    });
  }

  @Test
  void conditionalPut_ifNoneMatchStar_andIfMatch() throws Throwable {
    expect(Deviation.CONDITIONAL_PUT, () -> {
      s3.putObject(b -> b.bucket(bucket).key(key("p")).ifNoneMatch("*"), RequestBody.fromString("first"));
      assertS3Error(() -> s3.putObject(b -> b.bucket(bucket).key(key("p")).ifNoneMatch("*"), RequestBody.fromString("second")), 412, "PreconditionFailed");
      assertS3Error(() -> s3.putObject(b -> b.bucket(bucket).key(key("p")).ifMatch("\"0000\""), RequestBody.fromString("third")), 412, "PreconditionFailed");
      String etag = s3.headObject(b -> b.bucket(bucket).key(key("p"))).eTag();
      s3.putObject(b -> b.bucket(bucket).key(key("p")).ifMatch(etag), RequestBody.fromString("fourth"));
      assertThat(get("p")).asString(StandardCharsets.UTF_8).isEqualTo("fourth");
    });
  }

  // ---- ranged GET

  @Test
  void rangedGet_everyForm_and416() throws Exception {
    byte[] data = random(1000, 3);
    put("r", data);
    record Case(String range, int from, int to) {}
    for (Case c : List.of(new Case("bytes=0-9", 0, 9), new Case("bytes=990-", 990, 999), new Case("bytes=-5", 995, 999),
        new Case("bytes=900-5000", 900, 999), new Case("bytes=-5000", 0, 999), new Case("bytes=0-0", 0, 0))) {
      RawS3.Response r = raw.request("GET", path("r")).header("Range", c.range()).send();
      assertThat(r.status()).as(c.range()).isEqualTo(206);
      assertThat(r.body()).as(c.range()).isEqualTo(Arrays.copyOfRange(data, c.from(), c.to() + 1));
      assertThat(r.header("Content-Range")).as(c.range()).contains("bytes " + c.from() + "-" + c.to() + "/1000");
      assertThat(r.header("Accept-Ranges")).as(c.range()).contains("bytes");
    }
    RawS3.Response past = raw.request("GET", path("r")).header("Range", "bytes=1000-").send();
    assertRawError(past, 416, "InvalidRange");
    // SDK form, and a part of an empty object is unsatisfiable
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key("r")).range("bytes=10-19")).asByteArray())
        .isEqualTo(Arrays.copyOfRange(data, 10, 20));
    put("empty", new byte[0]);
    assertRawError(raw.request("GET", path("empty")).header("Range", "bytes=0-0").send(), 416, "InvalidRange");
  }

  @Test
  void rangedGet_unparsableRange_isIgnored() throws Throwable {
    byte[] data = random(100, 3);
    put("r", data);
    expect(Deviation.RANGE_SYNTAX, () -> {
      RawS3.Response junk = raw.request("GET", path("r")).header("Range", "bytes=x-y").send();
      assertThat(junk.status()).as("%s", junk).isEqualTo(200);
      assertThat(junk.body()).isEqualTo(data);
    });
  }

  // ---- batch delete

  @Test
  void deleteObjects_reportsMissingKeysAsDeleted_andQuietReportsNothing() throws Throwable {
    // the SDK sends DeleteObjects with an x-amz-checksum-crc32 header, always
    expect(Deviation.CHECKSUMS, this::deleteObjectsWithTheSdk);
  }

  private void deleteObjectsWithTheSdk() {
    put("d1", "1");
    put("d2", "2");
    DeleteObjectsResponse r = s3.deleteObjects(b -> b.bucket(bucket).delete(Delete.builder()
        .objects(ObjectIdentifier.builder().key(key("d1")).build(), ObjectIdentifier.builder().key(key("missing")).build()).build()));
    assertThat(r.deleted()).extracting(x -> x.key()).containsExactlyInAnyOrder(key("d1"), key("missing"));
    assertThat(r.errors()).isEmpty();
    DeleteObjectsResponse q = s3.deleteObjects(b -> b.bucket(bucket).delete(Delete.builder().quiet(true)
        .objects(ObjectIdentifier.builder().key(key("d2")).build(), ObjectIdentifier.builder().key(key("nope")).build()).build()));
    assertThat(q.deleted()).isEmpty();
    assertThat(q.errors()).isEmpty();
    assertThat(s3.listObjectsV2(b -> b.bucket(bucket).prefix(base)).contents()).isEmpty();
  }

  @Test
  void deleteObjects_withContentMd5_asOlderClientsSend() throws Exception {
    put("d1", "1");
    put("d2", "2");
    String xml = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>" + key("d1") + "</Key></Object><Object><Key>"
        + key("missing") + "</Key></Object></Delete>";
    RawS3.Response r = deleteRequest(xml);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(r.texts("Key")).containsExactlyInAnyOrder(key("d1"), key("missing"));
    assertThat(r.texts("Error")).isEmpty();
    RawS3.Response q = deleteRequest("<Delete><Quiet>true</Quiet><Object><Key>" + key("d2") + "</Key></Object></Delete>");
    assertThat(q.status()).as("%s", q).isEqualTo(200);
    assertThat(q.texts("Deleted")).isEmpty();
    assertThat(s3.listObjectsV2(b -> b.bucket(bucket).prefix(base)).contents()).isEmpty();
  }

  private RawS3.Response deleteRequest(String xml) throws Exception {
    byte[] body = xml.getBytes(StandardCharsets.UTF_8);
    return raw.request("POST", "/" + bucket).query("delete", "")
        .header("Content-MD5", Base64.getEncoder().encodeToString(RawS3.digest("MD5", body))).body(body).send();
  }

  @Test
  void deleteObjects_malformedXml_isMalformedXML() throws Throwable {
    put("keep", "k");
    String xml = "<Delete><Object><Key>" + key("keep") + "</Key></Object>"; // not closed
    byte[] body = xml.getBytes(StandardCharsets.UTF_8);
    RawS3.Response r = raw.request("POST", "/" + bucket).query("delete", "")
        .header("Content-MD5", Base64.getEncoder().encodeToString(RawS3.digest("MD5", body))).body(body).send();
    expect(Deviation.MALFORMED_XML, () -> assertRawError(r, 400, "MalformedXML"));
    assertThat(get("keep")).asString(StandardCharsets.UTF_8).isEqualTo("k");
  }

  // ---- directory markers

  @Test
  void directoryMarker_isAnEmptyObjectAndAPrefix() throws Throwable {
    put("dir/", new byte[0]);
    HeadObjectResponse h = s3.headObject(b -> b.bucket(bucket).key(key("dir/")));
    assertThat(h.contentLength()).isZero();
    put("dir/file", "f");
    var top = s3.listObjectsV2(b -> b.bucket(bucket).prefix(base).delimiter("/"));
    assertThat(top.commonPrefixes()).extracting(p -> p.prefix()).containsExactly(key("dir/"));
    assertThat(top.contents()).isEmpty();
    var inside = s3.listObjectsV2(b -> b.bucket(bucket).prefix(key("dir/")).delimiter("/"));
    s3.deleteObject(b -> b.bucket(bucket).key(key("dir/file")));
    assertThat(s3.listObjectsV2(b -> b.bucket(bucket).prefix(base)).contents()).extracting(o -> o.key()).containsExactly(key("dir/"));
    s3.deleteObject(b -> b.bucket(bucket).key(key("dir/")));
    assertThat(s3.listObjectsV2(b -> b.bucket(bucket).prefix(base)).contents()).isEmpty();
    expect(Deviation.DIRECTORY_MARKER, () ->
        assertThat(inside.contents()).extracting(o -> o.key()).containsExactly(key("dir/"), key("dir/file")));
  }

  @Test
  void keyWithoutMarker_parentIsNotAnObject() {
    put("p/q/r", "deep");
    assertS3Error(() -> s3.headObject(b -> b.bucket(bucket).key(key("p/q"))), 404, null);
    assertS3Error(() -> s3.getObject(b -> b.bucket(bucket).key(key("p/"))), 404, "NoSuchKey");
  }
}
