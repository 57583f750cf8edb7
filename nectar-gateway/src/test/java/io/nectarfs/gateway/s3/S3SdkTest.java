package io.nectarfs.gateway.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.Tag;

/** The AWS SDK v2 as a real client of the gateway's HTTP layer (stand-in store and signature check). */
class S3SdkTest {
  GatewayFixture f;
  S3Client s3;

  @BeforeEach
  void start() throws Exception {
    f = new GatewayFixture();
    s3 = f.sdk();
    s3.createBucket(b -> b.bucket("sdk"));
  }

  @AfterEach
  void stop() throws Exception {
    s3.close();
    f.close();
  }

  @Test
  void putGetHeadWithMetadata() {
    s3.putObject(b -> b.bucket("sdk").key("a/b.txt").contentType("text/plain").metadata(Map.of("owner", "me")).cacheControl("no-store"),
        RequestBody.fromString("payload"));
    ResponseBytes<GetObjectResponse> g = s3.getObjectAsBytes(b -> b.bucket("sdk").key("a/b.txt"));
    assertThat(g.asUtf8String()).isEqualTo("payload");
    assertThat(g.response().metadata()).containsEntry("owner", "me");
    assertThat(g.response().contentType()).isEqualTo("text/plain");
    assertThat(g.response().cacheControl()).isEqualTo("no-store");
    HeadObjectResponse h = s3.headObject(b -> b.bucket("sdk").key("a/b.txt"));
    assertThat(h.contentLength()).isEqualTo(7);
    assertThat(h.eTag()).isEqualTo("\"321c3cf486ed509164edec1e1981fec8\"");
    assertThat(s3.getObjectAsBytes(b -> b.bucket("sdk").key("a/b.txt").range("bytes=1-3")).asUtf8String()).isEqualTo("ayl");
    assertThatThrownBy(() -> s3.getObjectAsBytes(b -> b.bucket("sdk").key("missing"))).isInstanceOf(NoSuchKeyException.class);
    assertThatThrownBy(() -> s3.headObject(b -> b.bucket("sdk").key("missing")))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(404));
  }

  @Test
  void listingOfNastyKeysRoundTrips() {
    // the SDK asks for encoding-type=url and decodes the answer: keys must come back exactly
    List<String> keys = List.of("plain", "with space", "plus+sign", "per%cent", "dir//double", "ünï/cödé", "amp&lt<>\"'", "tab\tkey", "a/b/c", "z");
    for (String k : keys) {
      s3.putObject(b -> b.bucket("sdk").key(k), RequestBody.fromString(k));
      assertThat(s3.getObjectAsBytes(b -> b.bucket("sdk").key(k)).asUtf8String()).isEqualTo(k);
    }
    List<String> listed = new ArrayList<>();
    for (ListObjectsV2Response page : s3.listObjectsV2Paginator(b -> b.bucket("sdk").maxKeys(3))) {
      page.contents().stream().map(S3Object::key).forEach(listed::add);
    }
    assertThat(listed).containsExactlyElementsOf(keys.stream().sorted(MemStore.UTF8).toList());
    ListObjectsV2Response top = s3.listObjectsV2(b -> b.bucket("sdk").delimiter("/"));
    assertThat(top.commonPrefixes()).extracting(p -> p.prefix()).containsExactly("a/", "dir/", "ünï/");
    List<String> v1 = new ArrayList<>();
    String marker = null;
    while (true) {
      String m = marker;
      var page = s3.listObjects(b -> b.bucket("sdk").maxKeys(4).marker(m));
      page.contents().forEach(o -> v1.add(o.key()));
      if (!page.isTruncated()) {
        break;
      }
      marker = page.nextMarker();
    }
    assertThat(v1).containsExactlyElementsOf(listed);
  }

  @Test
  void multipartCopyDeleteAndTags() {
    String id = s3.createMultipartUpload(b -> b.bucket("sdk").key("big")).uploadId();
    byte[] p1 = "x".repeat(1000).getBytes(StandardCharsets.UTF_8);
    String e1 = s3.uploadPart(b -> b.bucket("sdk").key("big").uploadId(id).partNumber(1), RequestBody.fromBytes(p1)).eTag();
    s3.putObject(b -> b.bucket("sdk").key("src"), RequestBody.fromString("0123456789"));
    String e2 = s3.uploadPartCopy(b -> b.sourceBucket("sdk").sourceKey("src").destinationBucket("sdk").destinationKey("big").uploadId(id)
        .partNumber(2).copySourceRange("bytes=2-4")).copyPartResult().eTag();
    assertThat(s3.listParts(b -> b.bucket("sdk").key("big").uploadId(id)).parts()).hasSize(2);
    assertThat(s3.listMultipartUploads(b -> b.bucket("sdk")).uploads()).extracting(u -> u.uploadId()).containsExactly(id);
    s3.completeMultipartUpload(b -> b.bucket("sdk").key("big").uploadId(id)
        .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(e1).build(), CompletedPart.builder().partNumber(2).eTag(e2).build())));
    assertThat(s3.getObjectAsBytes(b -> b.bucket("sdk").key("big")).asUtf8String()).isEqualTo("x".repeat(1000) + "234");

    s3.copyObject(b -> b.sourceBucket("sdk").sourceKey("src").destinationBucket("sdk").destinationKey("copy of src"));
    assertThat(s3.getObjectAsBytes(b -> b.bucket("sdk").key("copy of src")).asUtf8String()).isEqualTo("0123456789");

    s3.putObjectTagging(b -> b.bucket("sdk").key("src").tagging(t -> t.tagSet(Tag.builder().key("k").value("v").build())));
    assertThat(s3.getObjectTagging(b -> b.bucket("sdk").key("src")).tagSet()).extracting(Tag::key).containsExactly("k");

    var r = s3.deleteObjects(b -> b.bucket("sdk").delete(d -> d.objects(ObjectIdentifier.builder().key("src").build(),
        ObjectIdentifier.builder().key("copy of src").build())));
    assertThat(r.deleted()).hasSize(2);
    assertThat(s3.listObjectsV2(b -> b.bucket("sdk")).contents()).extracting(S3Object::key).containsExactly("big");
    assertThat(s3.getBucketLocation(b -> b.bucket("sdk")).locationConstraintAsString()).isEmpty();
    assertThat(s3.listBuckets().buckets()).extracting(x -> x.name()).containsExactly("sdk");
  }
}
