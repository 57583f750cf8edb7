package io.nectarfs.gateway.s3.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.Part;

/** Multipart uploads (parts, listings, completion errors, abort), CopyObject and UploadPartCopy. */
abstract class MultipartCopyCases extends ListingCases {
  private static final int MIB5 = 5 << 20;

  private String create(String name) {
    return s3.createMultipartUpload(b -> b.bucket(bucket).key(key(name)).contentType("application/x-mp")
        .metadata(Map.of("mp", "yes"))).uploadId();
  }

  private CompletedPart upload(String name, String uploadId, int number, byte[] data) {
    String etag = s3.uploadPart(b -> b.bucket(bucket).key(key(name)).uploadId(uploadId).partNumber(number),
        RequestBody.fromBytes(data)).eTag();
    assertThat(etag).isEqualTo(etagOf(data));
    return CompletedPart.builder().partNumber(number).eTag(etag).build();
  }

  private void complete(String name, String uploadId, List<CompletedPart> parts) {
    s3.completeMultipartUpload(b -> b.bucket(bucket).key(key(name)).uploadId(uploadId)
        .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
  }

  /** S3's multipart ETag: MD5 of the parts' binary MD5s, then "-" and the number of parts. */
  private static String multipartEtag(List<byte[]> parts) {
    ByteArrayOutputStream md5s = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      md5s.writeBytes(RawS3.digest("MD5", p));
    }
    return "\"" + HexFormat.of().formatHex(RawS3.digest("MD5", md5s.toByteArray())) + "-" + parts.size() + "\"";
  }

  private static byte[] concat(List<byte[]> parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    parts.forEach(out::writeBytes);
    return out.toByteArray();
  }

  @Test
  void multipart_threeBigPartsAndASmallOne_listsAndCompletes() throws Throwable {
    List<byte[]> data = List.of(random(MIB5, 11), random(MIB5, 12), random(MIB5, 13), random(1000, 14));
    String id = create("mp");
    assertThat(s3.listMultipartUploads(b -> b.bucket(bucket).prefix(base)).uploads())
        .anySatisfy(u -> {
          assertThat(u.key()).isEqualTo(key("mp"));
          assertThat(u.uploadId()).isEqualTo(id);
        });
    List<CompletedPart> parts = new ArrayList<>();
    for (int i = 0; i < data.size(); i++) {
      parts.add(upload("mp", id, i + 1, data.get(i)));
    }
    ListPartsResponse lp = s3.listParts(b -> b.bucket(bucket).key(key("mp")).uploadId(id));
    assertThat(lp.parts()).extracting(Part::partNumber).containsExactly(1, 2, 3, 4);
    assertThat(lp.parts()).extracting(Part::size).containsExactly((long) MIB5, (long) MIB5, (long) MIB5, 1000L);
    assertThat(lp.parts()).extracting(Part::eTag).containsExactlyElementsOf(parts.stream().map(CompletedPart::eTag).toList());
    assertS3Error(() -> s3.headObject(b -> b.bucket(bucket).key(key("mp"))), 404, null); // not visible before completion
    var done = s3.completeMultipartUpload(b -> b.bucket(bucket).key(key("mp")).uploadId(id)
        .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
    HeadObjectResponse h = s3.headObject(b -> b.bucket(bucket).key(key("mp")));
    assertThat(h.contentLength()).isEqualTo(3L * MIB5 + 1000);
    assertThat(h.contentType()).isEqualTo("application/x-mp");
    assertThat(h.metadata()).containsEntry("mp", "yes");
    assertThat(get("mp")).isEqualTo(concat(data));
    assertThat(s3.listMultipartUploads(b -> b.bucket(bucket).prefix(base)).uploads()).isEmpty();
    expect(Deviation.ABORTED_UPLOAD, () -> assertS3Error(() -> s3.listParts(b -> b.bucket(bucket).key(key("mp")).uploadId(id)), 404, "NoSuchUpload"));
    assertThat(done.eTag()).isEqualTo(multipartEtag(data));
    expect(Deviation.MULTIPART_ETAG, () -> {
      assertThat(h.eTag()).isEqualTo(done.eTag());
      assertThat(s3.listObjectsV2(b -> b.bucket(bucket).prefix(key("mp"))).contents().getFirst().eTag()).isEqualTo(done.eTag());
    });
  }

  @Test
  void multipart_listParts_pages() throws Throwable {
    String id = create("pages");
    for (int i = 1; i <= 4; i++) {
      upload("pages", id, i, random(100, i));
    }
    expect(Deviation.LIST_PARTS_PAGING, () -> {
      ListPartsResponse page = s3.listParts(b -> b.bucket(bucket).key(key("pages")).uploadId(id).maxParts(2));
      assertThat(page.parts()).extracting(Part::partNumber).containsExactly(1, 2);
      assertThat(page.isTruncated()).isTrue();
      assertThat(s3.listParts(b -> b.bucket(bucket).key(key("pages")).uploadId(id).partNumberMarker(page.nextPartNumberMarker())).parts())
          .extracting(Part::partNumber).containsExactly(3, 4);
    });
  }

  @Test
  void multipart_completeWithWrongEtag_isInvalidPart() {
    String id = create("bad");
    upload("bad", id, 1, random(1000, 1));
    assertS3Error(() -> complete("bad", id, List.of(CompletedPart.builder().partNumber(1).eTag("\"00000000000000000000000000000000\"").build())),
        400, "InvalidPart");
    assertS3Error(() -> complete("bad", id, List.of(CompletedPart.builder().partNumber(2).eTag(etagOf(random(1000, 1))).build())),
        400, "InvalidPart");
  }

  @Test
  void multipart_completeInWrongOrder_isInvalidPartOrder() throws Throwable {
    String id = create("order");
    CompletedPart p1 = upload("order", id, 1, random(MIB5, 1));
    CompletedPart p2 = upload("order", id, 2, random(10, 2));
    expect(Deviation.PART_ORDER, () -> assertS3Error(() -> complete("order", id, List.of(p2, p1)), 400, "InvalidPartOrder"));
  }

  @Test
  void multipart_smallPartNotLast_isEntityTooSmall() {
    String id = create("small");
    CompletedPart p1 = upload("small", id, 1, random(1000, 1));
    CompletedPart p2 = upload("small", id, 2, random(1000, 2));
    assertS3Error(() -> complete("small", id, List.of(p1, p2)), 400, "EntityTooSmall");
  }

  @Test
  void multipart_abort_thenNoSuchUpload() throws Throwable {
    String id = create("ab");
    upload("ab", id, 1, random(100, 1));
    s3.abortMultipartUpload(b -> b.bucket(bucket).key(key("ab")).uploadId(id));
    expect(Deviation.ABORTED_UPLOAD, () -> {
      assertS3Error(() -> s3.listParts(b -> b.bucket(bucket).key(key("ab")).uploadId(id)), 404, "NoSuchUpload");
      assertS3Error(() -> s3.uploadPart(b -> b.bucket(bucket).key(key("ab")).uploadId(id).partNumber(2), RequestBody.fromString("x")), 404, "NoSuchUpload");
      assertS3Error(() -> complete("ab", id, List.of(CompletedPart.builder().partNumber(1).eTag(etagOf(random(100, 1))).build())), 404, "NoSuchUpload");
    });
    assertS3Error(() -> s3.headObject(b -> b.bucket(bucket).key(key("ab"))), 404, null);
  }

  @Test
  void multipart_malformedCompleteXml_isMalformedXML() throws Throwable {
    String id = create("x");
    upload("x", id, 1, random(100, 1));
    RawS3.Response r = raw.request("POST", path("x")).query("uploadId", id).body("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>").send();
    expect(Deviation.MALFORMED_XML, () -> assertRawError(r, 400, "MalformedXML"));
    RawS3.Response none = raw.request("POST", path("x")).query("uploadId", id).body("<CompleteMultipartUpload></CompleteMultipartUpload>").send();
    expect(Deviation.MALFORMED_XML, () -> assertRawError(none, 400, "MalformedXML"));
  }

  @Test
  void uploadPartCopy_withRanges_assemblesTheSource() throws Throwable {
    byte[] src = random(MIB5 + 3000, 21);
    put("src", src);
    String id = create("dst");
    List<CompletedPart> parts = new ArrayList<>();
    var c1 = s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(key("src")).destinationBucket(bucket).destinationKey(key("dst"))
        .uploadId(id).partNumber(1).copySourceRange("bytes=0-" + (MIB5 - 1)));
    parts.add(CompletedPart.builder().partNumber(1).eTag(c1.copyPartResult().eTag()).build());
    assertThat(c1.copyPartResult().eTag()).isEqualTo(etagOf(Arrays.copyOfRange(src, 0, MIB5)));
    var c2 = s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(key("src")).destinationBucket(bucket).destinationKey(key("dst"))
        .uploadId(id).partNumber(2).copySourceRange("bytes=" + MIB5 + "-" + (MIB5 + 999)));
    parts.add(CompletedPart.builder().partNumber(2).eTag(c2.copyPartResult().eTag()).build());
    complete("dst", id, parts);
    assertThat(get("dst")).isEqualTo(Arrays.copyOfRange(src, 0, MIB5 + 1000));
    String id2 = create("dst2");
    assertS3Error(() -> s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(key("src")).destinationBucket(bucket).destinationKey(key("dst2"))
        .uploadId(id2).partNumber(1).copySourceRange("bytes=0-" + src.length)), 416, "InvalidRange");
  }

  @Test
  void copyObject_copyDirective_keepsMetadata_andReplaceChangesIt() {
    byte[] data = random(5000, 31);
    s3.putObject(b -> b.bucket(bucket).key(key("s")).metadata(Map.of("k", "v")).contentType("text/x-src"), RequestBody.fromBytes(data));
    CopyObjectResponse c = s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key("s")).destinationBucket(bucket).destinationKey(key("copy")));
    assertThat(c.copyObjectResult().eTag()).isEqualTo(etagOf(data));
    assertThat(c.copyObjectResult().lastModified()).isNotNull();
    HeadObjectResponse h = s3.headObject(b -> b.bucket(bucket).key(key("copy")));
    assertThat(h.metadata()).containsExactlyEntriesOf(Map.of("k", "v"));
    assertThat(h.contentType()).isEqualTo("text/x-src");
    assertThat(get("copy")).isEqualTo(data);
    s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key("s")).destinationBucket(bucket).destinationKey(key("repl"))
        .metadataDirective(MetadataDirective.REPLACE).metadata(Map.of("new", "1")).contentType("text/x-new"));
    HeadObjectResponse r = s3.headObject(b -> b.bucket(bucket).key(key("repl")));
    assertThat(r.metadata()).containsExactlyEntriesOf(Map.of("new", "1"));
    assertThat(r.contentType()).isEqualTo("text/x-new");
    assertThat(get("repl")).isEqualTo(data);
    // the source is unchanged, and copying a missing key is NoSuchKey
    assertThat(s3.headObject(b -> b.bucket(bucket).key(key("s"))).metadata()).containsExactlyEntriesOf(Map.of("k", "v"));
    assertS3Error(() -> s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key("missing")).destinationBucket(bucket).destinationKey(key("z"))),
        404, "NoSuchKey");
  }

  @Test
  void copyObject_ontoItself_needsReplace() {
    s3.putObject(b -> b.bucket(bucket).key(key("self")).metadata(Map.of("a", "1")), RequestBody.fromString("self"));
    assertS3Error(() -> s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key("self")).destinationBucket(bucket).destinationKey(key("self"))),
        400, "InvalidRequest");
    s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key("self")).destinationBucket(bucket).destinationKey(key("self"))
        .metadataDirective(MetadataDirective.REPLACE).metadata(Map.of("b", "2")));
    assertThat(s3.headObject(b -> b.bucket(bucket).key(key("self"))).metadata()).containsExactlyEntriesOf(Map.of("b", "2"));
    assertThat(get("self")).asString(StandardCharsets.UTF_8).isEqualTo("self");
  }

  @Test
  void copyObject_conditions() throws Throwable {
    String etag = put("cs", "cond").eTag();
    assertS3Error(() -> s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key("cs")).destinationBucket(bucket).destinationKey(key("cd"))
        .copySourceIfMatch("\"0000\"")), 412, "PreconditionFailed");
    assertS3Error(() -> s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key("cs")).destinationBucket(bucket).destinationKey(key("cd"))
        .copySourceIfNoneMatch(etag)), 412, "PreconditionFailed");
    assertS3Error(() -> s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key("cs")).destinationBucket(bucket).destinationKey(key("cd"))
        .copySourceIfModifiedSince(java.time.Instant.now().plusSeconds(86400))), 412, "PreconditionFailed");
    assertS3Error(() -> s3.headObject(b -> b.bucket(bucket).key(key("cd"))), 404, null);
    s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(key("cs")).destinationBucket(bucket).destinationKey(key("cd")).copySourceIfMatch(etag));
    assertThat(get("cd")).asString(StandardCharsets.UTF_8).isEqualTo("cond");
  }
}
