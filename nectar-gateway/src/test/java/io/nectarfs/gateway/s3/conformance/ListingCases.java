package io.nectarfs.gateway.s3.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/** ListObjects V1 and V2: S3's byte order, prefix, delimiter, markers, tokens, max-keys, URL encoding. */
abstract class ListingCases extends ObjectCases {
  /**
   * In S3's order (UTF-8 bytes: '-' 0x2d < '/' 0x2f < '0' 0x30 < 'b' < 0xc3 'ü'), across levels:
   * a listing that walks directories in name order ("a" before "a-b") gets this wrong. No key is
   * also a prefix of another ("a/b" and "a/b/c"): a file system cannot hold both (see
   * docs/s3-conformance.md).
   */
  private static final List<String> ORDERED = List.of("a-b", "a/b-c", "a/b/c", "a/b0", "a0", "b", "ü");

  private void putAll(List<String> names) {
    for (String n : names.reversed()) {
      put(n, n);
    }
  }

  private List<String> names(List<S3Object> objects) {
    return objects.stream().map(o -> o.key().substring(base.length())).toList();
  }

  private List<String> prefixes(List<CommonPrefix> ps) {
    return ps.stream().map(p -> p.prefix().substring(base.length())).toList();
  }

  @Test
  void listV2_isInByteOrder_acrossLevels() {
    putAll(ORDERED);
    assertThat(names(s3.listObjectsV2(b -> b.bucket(bucket).prefix(base)).contents())).containsExactlyElementsOf(ORDERED);
    ListObjectsV2Response d = s3.listObjectsV2(b -> b.bucket(bucket).prefix(base).delimiter("/"));
    assertThat(names(d.contents())).containsExactly("a-b", "a0", "b", "ü");
    assertThat(prefixes(d.commonPrefixes())).containsExactly("a/");
    ListObjectsV2Response inA = s3.listObjectsV2(b -> b.bucket(bucket).prefix(key("a/")).delimiter("/"));
    assertThat(names(inA.contents())).containsExactly("a/b-c", "a/b0");
    assertThat(prefixes(inA.commonPrefixes())).containsExactly("a/b/");
  }

  @Test
  void listV1_isInByteOrder_acrossLevels() {
    putAll(ORDERED);
    assertThat(names(s3.listObjects(b -> b.bucket(bucket).prefix(base)).contents())).containsExactlyElementsOf(ORDERED);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 1000})
  void listV2_pagesWithContinuationTokens_inOrder_withDelimiter(int maxKeys) {
    putAll(ORDERED);
    List<String> seen = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      String t = token;
      ListObjectsV2Response r = s3.listObjectsV2(b -> b.bucket(bucket).prefix(base).delimiter("/").maxKeys(maxKeys).continuationToken(t));
      assertThat(r.keyCount()).isEqualTo(r.contents().size() + r.commonPrefixes().size());
      assertThat(r.keyCount()).isLessThanOrEqualTo(maxKeys);
      assertThat(r.maxKeys()).isEqualTo(maxKeys);
      List<String> page = new ArrayList<>(names(r.contents()));
      page.addAll(prefixes(r.commonPrefixes()));
      seen.addAll(page.stream().sorted().toList());
      token = r.isTruncated() ? r.nextContinuationToken() : null;
      assertThat(r.isTruncated()).isEqualTo(token != null);
      pages++;
    } while (token != null && pages < 20);
    assertThat(seen).containsExactly("a-b", "a/", "a0", "b", "ü");
    assertThat(pages).isEqualTo(maxKeys == 1000 ? 1 : (5 + maxKeys - 1) / maxKeys);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void listV2_pagesAcrossLevels_withoutDelimiter(int maxKeys) throws Throwable {
    List<String> spaced = List.of("big.bin", "sub dir/a b.txt", "sub dir/empty", "sub dir/ünï/cødé.txt", "top.txt");
    putAll(ORDERED);
    putAll(spaced);
    List<String> all = new ArrayList<>(ORDERED);
    all.addAll(spaced);
    all.sort((x, y) -> byUtf8(x, y));
    assertThat(pageAll(maxKeys, null)).containsExactlyElementsOf(all);
    // the aws CLI and boto3 always list with encoding-type=url: the token stays opaque
    expect(Deviation.LIST_PAGING_ACROSS_LEVELS, () -> assertThat(pageAll(maxKeys, EncodingType.URL)).containsExactlyElementsOf(all));
  }

  private List<String> pageAll(int maxKeys, EncodingType encoding) {
    List<String> seen = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      String t = token;
      ListObjectsV2Response r = s3.listObjectsV2(b -> b.bucket(bucket).prefix(base).maxKeys(maxKeys).continuationToken(t).encodingType(encoding));
      seen.addAll(names(r.contents()));
      token = r.isTruncated() ? r.nextContinuationToken() : null;
      pages++;
    } while (token != null && pages < 30);
    return seen;
  }

  @Test
  void listV2_startAfter_andPrefix() {
    putAll(ORDERED);
    assertThat(names(s3.listObjectsV2(b -> b.bucket(bucket).prefix(base).startAfter(key("a/b"))).contents()))
        .containsExactly("a/b-c", "a/b/c", "a/b0", "a0", "b", "ü");
    assertThat(names(s3.listObjectsV2(b -> b.bucket(bucket).prefix(base).startAfter(key("a/b/c"))).contents()))
        .containsExactly("a/b0", "a0", "b", "ü");
    assertThat(names(s3.listObjectsV2(b -> b.bucket(bucket).prefix(key("a/"))).contents())).containsExactly("a/b-c", "a/b/c", "a/b0");
    assertThat(names(s3.listObjectsV2(b -> b.bucket(bucket).prefix(key("a"))).contents())).containsExactly("a-b", "a/b-c", "a/b/c", "a/b0", "a0");
    assertThat(names(s3.listObjectsV2(b -> b.bucket(bucket).prefix(key("a/b"))).contents())).containsExactly("a/b-c", "a/b/c", "a/b0");
    ListObjectsV2Response partial = s3.listObjectsV2(b -> b.bucket(bucket).prefix(key("a/b")).delimiter("/"));
    assertThat(names(partial.contents())).containsExactly("a/b-c", "a/b0");
    assertThat(prefixes(partial.commonPrefixes())).containsExactly("a/b/");
    assertThat(s3.listObjectsV2(b -> b.bucket(bucket).prefix(key("zzz"))).contents()).isEmpty();
  }

  @Test
  void listV2_fetchOwner_andObjectFields() {
    byte[] data = random(1234, 4);
    put("f", data);
    S3Object o = s3.listObjectsV2(b -> b.bucket(bucket).prefix(base).fetchOwner(true)).contents().getFirst();
    assertThat(o.size()).isEqualTo(1234);
    assertThat(o.eTag()).isEqualTo(etagOf(data));
    assertThat(o.lastModified()).isNotNull();
    assertThat(o.owner()).isNotNull();
  }

  @Test
  void listV1_markerAndNextMarker_withMaxKeys() {
    putAll(ORDERED);
    ListObjectsResponse first = s3.listObjects(b -> b.bucket(bucket).prefix(base).maxKeys(2));
    assertThat(names(first.contents())).containsExactly("a-b", "a/b-c");
    assertThat(first.isTruncated()).isTrue();
    ListObjectsResponse second = s3.listObjects(b -> b.bucket(bucket).prefix(base).maxKeys(2).marker(key("a/b-c")));
    assertThat(names(second.contents())).containsExactly("a/b/c", "a/b0");
    // with a delimiter V1 gives NextMarker, which may be a common prefix
    ListObjectsResponse d = s3.listObjects(b -> b.bucket(bucket).prefix(base).delimiter("/").maxKeys(2));
    assertThat(names(d.contents())).containsExactly("a-b");
    assertThat(prefixes(d.commonPrefixes())).containsExactly("a/");
    assertThat(d.isTruncated()).isTrue();
    assertThat(d.nextMarker()).isEqualTo(key("a/"));
    ListObjectsResponse rest = s3.listObjects(b -> b.bucket(bucket).prefix(base).delimiter("/").marker(d.nextMarker()));
    assertThat(names(rest.contents())).containsExactly("a0", "b", "ü");
    assertThat(rest.commonPrefixes()).isEmpty();
    assertThat(rest.isTruncated()).isFalse();
  }

  @Test
  void encodingTypeUrl_roundTripsAwkwardKeys_andEncodesTheXml() throws Exception {
    List<String> awkward = List.of("sp ace", "plus+sign", "per%cent", "ünï/cødé", "amp&lt<>", "tab\tkey");
    putAll(awkward);
    List<String> sorted = awkward.stream().map(s -> base + s).sorted(ListingCases::byUtf8).map(s -> s.substring(base.length())).toList();
    // the SDK decodes url-encoded keys itself
    assertThat(names(s3.listObjectsV2(b -> b.bucket(bucket).prefix(base).encodingType(EncodingType.URL)).contents()))
        .containsExactlyElementsOf(sorted);
    assertThat(names(s3.listObjects(b -> b.bucket(bucket).prefix(base).encodingType(EncodingType.URL)).contents()))
        .containsExactlyElementsOf(sorted);
    assertThat(names(s3.listObjectsV2(b -> b.bucket(bucket).prefix(base)).contents())).containsExactlyElementsOf(sorted);
    for (String k : awkward) {
      assertThat(get(k)).asString(StandardCharsets.UTF_8).isEqualTo(k);
    }
    // and on the wire, the keys really are percent-encoded
    RawS3.Response r = raw.request("GET", "/" + bucket).query("list-type", "2").query("prefix", base).query("encoding-type", "url").send();
    assertThat(r.status()).isEqualTo(200);
    List<String> keys = r.texts("Key");
    for (String suffix : List.of("per%25cent", "plus%2Bsign", "c%C3%B8d%C3%A9", "tab%09key", "amp%26lt%3C%3E")) {
      assertThat(keys).as("a key ending %s", suffix).anySatisfy(k -> assertThat(k).endsWith(suffix));
    }
    assertThat(keys).anySatisfy(k -> assertThat(k).contains("%C3%BCn%C3%AF"));
    assertThat(keys).anySatisfy(k -> assertThat(k).matches(".*sp(\\+|%20)ace"));
    assertThat(r.texts("EncodingType")).containsExactly("url");
  }

  private static int byUtf8(String a, String b) {
    return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void listV2_ofNothing_isEmptyAndNotTruncated() {
    ListObjectsV2Response empty = s3.listObjectsV2(b -> b.bucket(bucket).prefix(base));
    assertThat(empty.contents()).isEmpty();
    assertThat(empty.isTruncated()).isFalse();
    assertThat(empty.keyCount()).isZero();
  }
}
