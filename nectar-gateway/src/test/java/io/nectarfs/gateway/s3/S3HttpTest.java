package io.nectarfs.gateway.s3;

import static io.nectarfs.gateway.s3.GatewayFixture.AUTH_RO;
import static io.nectarfs.gateway.s3.GatewayFixture.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP layer of the gateway with the JDK client and raw sockets: routing, XML shapes, errors, ranges, conditions, encodings. */
class S3HttpTest {
  GatewayFixture f;

  @BeforeEach
  void start() throws Exception {
    f = new GatewayFixture();
    assertThat(f.send("PUT", "/bkt", null).statusCode()).isEqualTo(200);
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  private HttpResponse<byte[]> put(String path, String body, String... headers) throws Exception {
    HttpResponse<byte[]> r = f.send("PUT", path, body.getBytes(StandardCharsets.UTF_8), headers);
    assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
    return r;
  }

  @Test
  void everyResponseCarriesRequestIds() throws Exception {
    for (HttpResponse<byte[]> r : new HttpResponse[] {f.send("GET", "/", null), f.send("GET", "/nope/x", null), f.send("HEAD", "/bkt/missing", null)}) {
      assertThat(r.headers().firstValue("x-amz-request-id")).isPresent();
      assertThat(r.headers().firstValue("x-amz-id-2")).isPresent();
    }
    assertThat(f.send("GET", "/", null).headers().firstValue("x-amz-request-id"))
        .isNotEqualTo(f.send("GET", "/", null).headers().firstValue("x-amz-request-id"));
  }

  @Test
  void theAuthenticatorSeesTheRequestAsSent() throws Exception {
    // a signature covers the raw path and query and the header values byte for byte
    f.send("PUT", "/bkt/a%20b%2Bc/%7E?x-id=PutObject&z=%2F", "x".getBytes(), "Content-Type", "text/plain; charset=UTF-8", "X-Amz-Meta-Mixed", "CaSe");
    var r = f.auth.last;
    assertThat(r.method()).isEqualTo("PUT");
    assertThat(r.rawPath()).isEqualTo("/bkt/a%20b%2Bc/%7E");
    assertThat(r.rawQuery()).isEqualTo("x-id=PutObject&z=%2F");
    assertThat(r.header("content-type")).isEqualTo("text/plain; charset=UTF-8");
    assertThat(r.headers().get("x-amz-meta-mixed")).containsExactly("CaSe");
    assertThat(text(f.send("GET", "/bkt/a%20b+c/~", null))).isEqualTo("x");
  }

  @Test
  void requestsJettyRejectsGetS3ErrorBodies() throws Exception {
    String r = f.raw("GET /bkt HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\nConnection: close\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 431").contains("x-amz-request-id: ", "<Error><Code>InvalidRequest</Code>").doesNotContain("<html");
    String bad = f.raw("GET /bkt HTTP/1.1\r\nHost: x\r\nBad Header Line\r\nConnection: close\r\n\r\n");
    assertThat(bad).startsWith("HTTP/1.1 400").contains("<Code>InvalidRequest</Code>").doesNotContain("<html");
  }

  @Test
  void bucketOperations() throws Exception {
    String list = text(f.send("GET", "/", null));
    assertThat(list).contains("<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">", "<Name>bkt</Name>", "<CreationDate>");
    assertThat(f.send("HEAD", "/bkt", null).statusCode()).isEqualTo(200);
    HttpResponse<byte[]> missing = f.send("HEAD", "/nope", null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).isEmpty();
    assertThat(text(f.send("GET", "/bkt?location", null))).contains("<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"></LocationConstraint>");
    assertThat(text(f.send("GET", "/bkt?versioning", null))).contains("<VersioningConfiguration");
    HttpResponse<byte[]> again = f.send("PUT", "/bkt", null);
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(text(again)).contains("<Code>BucketAlreadyOwnedByYou</Code>", "<BucketName>bkt</BucketName>");
    put("/bkt/k", "x");
    assertThat(text(f.send("DELETE", "/bkt", null))).contains("<Code>BucketNotEmpty</Code>");
    assertThat(f.send("DELETE", "/bkt/k", null).statusCode()).isEqualTo(204);
    assertThat(f.send("DELETE", "/bkt", null).statusCode()).isEqualTo(204);
    assertThat(f.send("GET", "/bkt?list-type=2", null).statusCode()).isEqualTo(404);
  }

  @Test
  void errorBodyIsS3s() throws Exception {
    HttpResponse<byte[]> r = f.send("GET", "/bkt/no/such%20key", null);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/xml"));
    String id = r.headers().firstValue("x-amz-request-id").orElseThrow();
    assertThat(text(r)).startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>")
        .contains("<Key>no/such key</Key>", "<Resource>/bkt/no/such%20key</Resource>", "<RequestId>" + id + "</RequestId>", "<HostId>");
    HttpResponse<byte[]> head = f.send("HEAD", "/bkt/no-such-key", null);
    assertThat(head.statusCode()).isEqualTo(404);
    assertThat(head.body()).isEmpty();
    assertThat(text(f.send("GET", "/nobucket?list-type=2", null))).contains("<Code>NoSuchBucket</Code>", "<BucketName>nobucket</BucketName>");
    assertThat(text(f.send("GET", "/bkt?acl", null))).contains("<AccessControlPolicy", "<Permission>FULL_CONTROL</Permission>");
    assertThat(text(f.send("GET", "/bkt/no-such-key?acl", null))).contains("<Code>NoSuchKey</Code>");
    HttpResponse<byte[]> ni = f.send("GET", "/bkt?policy", null);
    assertThat(ni.statusCode()).isEqualTo(501);
    assertThat(text(ni)).contains("<Code>NotImplemented</Code>");
    assertThat(text(f.send("GET", "/bkt?list-type=2&max-keys=abc", null))).contains("<Code>InvalidArgument</Code>");
  }

  @Test
  void volumeErrorsMapToS3Codes() throws Exception {
    Object[][] cases = {
        {Errno.EACCES, 403, "AccessDenied"},
        {Errno.EPERM, 403, "AccessDenied"},
        {Errno.EROFS, 403, "AccessDenied"},
        {Errno.ENOENT, 404, "NoSuchKey"},
        {Errno.ENOSPC, 403, "QuotaExceeded"},
        {Errno.EDQUOT, 403, "QuotaExceeded"},
        {Errno.ENAMETOOLONG, 400, "KeyTooLongError"},
        {Errno.EFBIG, 400, "EntityTooLarge"},
        {Errno.EIO, 500, "InternalError"},
    };
    for (Object[] c : cases) {
      f.store.failWith = new FsException((Errno) c[0], "/bkt/k: detail that stays in the log");
      HttpResponse<byte[]> r = f.send("PUT", "/bkt/k", "x".getBytes());
      assertThat(r.statusCode()).as("%s", c[0]).isEqualTo((int) c[1]);
      assertThat(text(r)).as("%s", c[0]).contains("<Code>" + c[2] + "</Code>").doesNotContain("detail that stays");
    }
    // a bug: InternalError, no stack trace or exception text to the client
    f.store.failWith = new IllegalStateException("internal detail");
    assertThat(f.send("HEAD", "/bkt/k", null).statusCode()).isEqualTo(500);
    HttpResponse<byte[]> r = f.send("PUT", "/bkt/k", "x".getBytes());
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(text(r)).contains("<Code>InternalError</Code>").doesNotContain("internal detail").doesNotContain("IllegalState").doesNotContain("at io.");
    f.store.failWith = null;
  }

  @Test
  void objectRoundTripWithMetadataAndOverrides() throws Exception {
    HttpResponse<byte[]> p = put("/bkt/dir/obj.txt", "hello world", "Content-Type", "text/plain", "x-amz-meta-color", "blue",
        "Cache-Control", "no-cache", "Content-Disposition", "attachment", "Content-Language", "en", "Expires", "Thu, 01 Dec 1994 16:00:00 GMT");
    String etag = p.headers().firstValue("ETag").orElseThrow();
    assertThat(etag).isEqualTo("\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
    HttpResponse<byte[]> g = f.send("GET", "/bkt/dir/obj.txt", null);
    assertThat(text(g)).isEqualTo("hello world");
    assertThat(g.headers().firstValue("ETag")).contains(etag);
    assertThat(g.headers().firstValue("Content-Type")).contains("text/plain");
    assertThat(g.headers().firstValue("x-amz-meta-color")).contains("blue");
    assertThat(g.headers().firstValue("Cache-Control")).contains("no-cache");
    assertThat(g.headers().firstValue("Content-Disposition")).contains("attachment");
    assertThat(g.headers().firstValue("Content-Language")).contains("en");
    assertThat(g.headers().firstValue("Expires")).contains("Thu, 01 Dec 1994 16:00:00 GMT");
    assertThat(g.headers().firstValue("Last-Modified")).hasValueSatisfying(v -> DateTimeFormatter.RFC_1123_DATE_TIME.parse(v));
    HttpResponse<byte[]> o = f.send("GET", "/bkt/dir/obj.txt?response-content-type=image/png&response-cache-control=max-age%3D5", null);
    assertThat(o.headers().firstValue("Content-Type")).contains("image/png");
    assertThat(o.headers().firstValue("Cache-Control")).contains("max-age=5");
    HttpResponse<byte[]> h = f.send("HEAD", "/bkt/dir/obj.txt", null);
    assertThat(h.headers().firstValue("Content-Length")).contains("11");
    assertThat(h.body()).isEmpty();
  }

  @Test
  void rangedGet() throws Exception {
    put("/bkt/r", "0123456789");
    HttpResponse<byte[]> a = f.send("GET", "/bkt/r", null, "Range", "bytes=2-5");
    assertThat(a.statusCode()).isEqualTo(206);
    assertThat(text(a)).isEqualTo("2345");
    assertThat(a.headers().firstValue("Content-Range")).contains("bytes 2-5/10");
    assertThat(text(f.send("GET", "/bkt/r", null, "Range", "bytes=7-"))).isEqualTo("789");
    assertThat(text(f.send("GET", "/bkt/r", null, "Range", "bytes=-3"))).isEqualTo("789");
    assertThat(text(f.send("GET", "/bkt/r", null, "Range", "bytes=8-100"))).isEqualTo("89");
    HttpResponse<byte[]> bad = f.send("GET", "/bkt/r", null, "Range", "bytes=10-");
    assertThat(bad.statusCode()).isEqualTo(416);
    assertThat(text(bad)).contains("<Code>InvalidRange</Code>");
    assertThat(bad.headers().firstValue("Content-Range")).contains("bytes */10");
    HttpResponse<byte[]> multi = f.send("GET", "/bkt/r", null, "Range", "bytes=0-1,4-5");
    assertThat(multi.statusCode()).isEqualTo(200);
    assertThat(text(multi)).isEqualTo("0123456789");
  }

  @Test
  void largeObjectStreamsInPieces() throws Exception {
    byte[] big = new byte[5 * (1 << 20) + 12345];
    new java.util.Random(7).nextBytes(big);
    assertThat(f.send("PUT", "/bkt/big", big).statusCode()).isEqualTo(200);
    assertThat(f.send("GET", "/bkt/big", null).body()).isEqualTo(big);
    HttpResponse<byte[]> r = f.send("GET", "/bkt/big", null, "Range", "bytes=1048570-3145730");
    assertThat(r.body()).isEqualTo(java.util.Arrays.copyOfRange(big, 1048570, 3145731));
  }

  @Test
  void checksumsAreReturnedOnlyForWholeObjectsWhenAsked() throws Exception {
    f.store.put(io.nectarfs.common.Ctx.ROOT, "bkt", "sum", new java.io.ByteArrayInputStream("0123456789".getBytes()),
        () -> io.nectarfs.gateway.s3.store.ObjectMeta.EMPTY.withChecksums(java.util.Map.of(io.nectarfs.gateway.s3.auth.ChecksumAlgorithm.CRC32, "AAAAAA==")),
        io.nectarfs.gateway.s3.store.BucketStore.PutCondition.NONE);
    assertThat(f.send("GET", "/bkt/sum", null).headers().firstValue("x-amz-checksum-crc32")).isEmpty();
    HttpResponse<byte[]> whole = f.send("GET", "/bkt/sum", null, "x-amz-checksum-mode", "ENABLED");
    assertThat(whole.headers().firstValue("x-amz-checksum-crc32")).contains("AAAAAA==");
    assertThat(f.send("HEAD", "/bkt/sum", null, "x-amz-checksum-mode", "ENABLED").headers().firstValue("x-amz-checksum-crc32")).contains("AAAAAA==");
    HttpResponse<byte[]> ranged = f.send("GET", "/bkt/sum", null, "x-amz-checksum-mode", "ENABLED", "Range", "bytes=1-2");
    assertThat(ranged.statusCode()).isEqualTo(206);
    assertThat(ranged.headers().firstValue("x-amz-checksum-crc32")).isEmpty();
  }

  @Test
  void conditionalReadsFollowS3Precedence() throws Exception {
    String etag = put("/bkt/c", "abc").headers().firstValue("ETag").orElseThrow();
    String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().minusSeconds(3600).atZone(ZoneOffset.UTC));
    String future = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().plusSeconds(3600).atZone(ZoneOffset.UTC));
    HttpResponse<byte[]> nm = f.send("GET", "/bkt/c", null, "If-None-Match", etag);
    assertThat(nm.statusCode()).isEqualTo(304);
    assertThat(nm.body()).isEmpty();
    assertThat(nm.headers().firstValue("ETag")).contains(etag);
    assertThat(nm.headers().firstValue("Last-Modified")).isPresent();
    assertThat(f.send("GET", "/bkt/c", null, "If-None-Match", "\"other\"").statusCode()).isEqualTo(200);
    HttpResponse<byte[]> im = f.send("GET", "/bkt/c", null, "If-Match", "\"other\"");
    assertThat(im.statusCode()).isEqualTo(412);
    assertThat(text(im)).contains("<Code>PreconditionFailed</Code>");
    assertThat(f.send("HEAD", "/bkt/c", null, "If-Match", "\"other\"").statusCode()).isEqualTo(412);
    assertThat(f.send("GET", "/bkt/c", null, "If-Modified-Since", future).statusCode()).isEqualTo(304);
    assertThat(f.send("GET", "/bkt/c", null, "If-Modified-Since", past).statusCode()).isEqualTo(200);
    assertThat(f.send("GET", "/bkt/c", null, "If-Unmodified-Since", past).statusCode()).isEqualTo(412);
    // If-Match true wins over a false If-Unmodified-Since; If-None-Match false wins over If-Modified-Since
    assertThat(f.send("GET", "/bkt/c", null, "If-Match", etag, "If-Unmodified-Since", past).statusCode()).isEqualTo(200);
    assertThat(f.send("GET", "/bkt/c", null, "If-None-Match", etag, "If-Modified-Since", past).statusCode()).isEqualTo(304);
    // writes: If-None-Match: * refuses to overwrite, If-Match needs the current ETag
    assertThat(text(f.send("PUT", "/bkt/c", "x".getBytes(), "If-None-Match", "*"))).contains("<Code>PreconditionFailed</Code>");
    assertThat(f.send("PUT", "/bkt/new", "x".getBytes(), "If-None-Match", "*").statusCode()).isEqualTo(200);
    assertThat(f.send("PUT", "/bkt/c", "y".getBytes(), "If-Match", "\"other\"").statusCode()).isEqualTo(412);
    assertThat(f.send("PUT", "/bkt/c", "y".getBytes(), "If-Match", etag).statusCode()).isEqualTo(200);
  }

  @Test
  void nastyKeysRoundTripAndUrlEncodedListing() throws Exception {
    // raw paths as a client sends them → the key the store sees
    String[][] keys = {
        {"/bkt/a%20b+c", "a b+c"},
        {"/bkt/p%25q", "p%q"},
        {"/bkt/d//e", "d//e"},
        {"/bkt/%C3%A9t%C3%A9", "été"},
        {"/bkt/semi;colon", "semi;colon"},
        {"/bkt/amp%26%3D%3F", "amp&=?"},
    };
    for (String[] k : keys) {
      put(k[0], k[1]);
      assertThat(text(f.send("GET", k[0], null))).isEqualTo(k[1]);
    }
    String plain = text(f.send("GET", "/bkt?list-type=2", null));
    assertThat(plain).contains("<Key>a b+c</Key>", "<Key>p%q</Key>", "<Key>d//e</Key>", "<Key>été</Key>", "<Key>amp&amp;=?</Key>");
    String url = text(f.send("GET", "/bkt?list-type=2&encoding-type=url&delimiter=%2F&prefix=d%2F", null));
    assertThat(url).contains("<EncodingType>url</EncodingType>", "<Prefix>d/</Prefix>", "<Delimiter>/</Delimiter>", "<Prefix>d//</Prefix>");
    String all = text(f.send("GET", "/bkt?encoding-type=url", null));
    assertThat(all).contains("<Key>a+b%2Bc</Key>", "<Key>p%25q</Key>", "<Key>%C3%A9t%C3%A9</Key>", "<Key>amp%26%3D%3F</Key>", "<Key>semi%3Bcolon</Key>");
  }

  @Test
  void listingV1AndV2Pages() throws Exception {
    for (String k : new String[] {"a/1", "a/2", "b", "c/x/y", "d"}) {
      put("/bkt/" + k, k);
    }
    String v1 = text(f.send("GET", "/bkt?delimiter=/&max-keys=2", null));
    assertThat(v1).contains("<Marker></Marker>", "<MaxKeys>2</MaxKeys>", "<IsTruncated>true</IsTruncated>", "<NextMarker>b</NextMarker>",
        "<CommonPrefixes><Prefix>a/</Prefix></CommonPrefixes>", "<Key>b</Key>", "<Owner><ID>");
    String v1b = text(f.send("GET", "/bkt?delimiter=/&max-keys=2&marker=b", null));
    assertThat(v1b).contains("<Prefix>c/</Prefix>", "<Key>d</Key>", "<IsTruncated>false</IsTruncated>");
    String v2 = text(f.send("GET", "/bkt?list-type=2&max-keys=3", null));
    assertThat(v2).contains("<KeyCount>3</KeyCount>", "<IsTruncated>true</IsTruncated>").doesNotContain("<Owner>");
    String token = v2.replaceAll("(?s).*<NextContinuationToken>(.*)</NextContinuationToken>.*", "$1");
    String v2b = text(f.send("GET", "/bkt?list-type=2&fetch-owner=true&continuation-token=" + java.net.URLEncoder.encode(token, StandardCharsets.UTF_8), null));
    assertThat(v2b).contains("<ContinuationToken>" + token + "</ContinuationToken>", "<Key>c/x/y</Key>", "<Key>d</Key>", "<KeyCount>2</KeyCount>", "<Owner>");
    assertThat(text(f.send("GET", "/bkt?list-type=2&start-after=c", null))).contains("<StartAfter>c</StartAfter>", "<Key>c/x/y</Key>").doesNotContain("<Key>b</Key>");
    assertThat(text(f.send("GET", "/bkt?list-type=2&max-keys=5000", null))).contains("<MaxKeys>1000</MaxKeys>");
  }

  @Test
  void malformedAndHostileXml() throws Exception {
    put("/bkt/k", "x");
    assertThat(text(f.send("POST", "/bkt?delete", "<Delete><Object><Key>k".getBytes()))).contains("<Code>MalformedXML</Code>");
    String xxe = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Delete><Object><Key>&x;</Key></Object></Delete>";
    HttpResponse<byte[]> r = f.send("POST", "/bkt?delete", xxe.getBytes());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(text(r)).contains("<Code>MalformedXML</Code>").doesNotContain("root:");
    assertThat(text(f.send("PUT", "/bkt/k?tagging", "<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>".getBytes())))
        .contains("<Code>MalformedXML</Code>");
  }

  @Test
  void deleteObjectsBatch() throws Exception {
    put("/bkt/x1", "1");
    put("/bkt/x2", "2");
    String body = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>x1</Key></Object><Object><Key>gone</Key></Object></Delete>";
    String r = text(f.send("POST", "/bkt?delete", body.getBytes()));
    assertThat(r).contains("<DeleteResult", "<Deleted><Key>x1</Key></Deleted>", "<Deleted><Key>gone</Key></Deleted>");
    String quiet = text(f.send("POST", "/bkt?delete", "<Delete><Quiet>true</Quiet><Object><Key>x2</Key></Object></Delete>".getBytes()));
    assertThat(quiet).contains("<DeleteResult").doesNotContain("<Deleted>");
    assertThat(f.send("HEAD", "/bkt/x2", null).statusCode()).isEqualTo(404);
  }

  @Test
  void copyObjectAndTagging() throws Exception {
    put("/bkt/src%20key", "data", "x-amz-meta-a", "1", "Content-Type", "text/a", "x-amz-tagging", "t1=v1&t%202=v%202");
    assertThat(text(f.send("GET", "/bkt/src%20key?tagging", null))).contains("<Tag><Key>t1</Key><Value>v1</Value></Tag>", "<Key>t 2</Key><Value>v 2</Value>");
    String copy = text(f.send("PUT", "/bkt/dst", null, "x-amz-copy-source", "/bkt/src%20key"));
    assertThat(copy).contains("<CopyObjectResult", "<ETag>&quot;8d777f385d3dfec8815d20f7496026dc&quot;</ETag>");
    assertThat(f.send("GET", "/bkt/dst", null).headers().firstValue("x-amz-meta-a")).contains("1");
    f.send("PUT", "/bkt/dst2", null, "x-amz-copy-source", "bkt/src%20key", "x-amz-metadata-directive", "REPLACE", "x-amz-meta-b", "2", "Content-Type", "text/b");
    HttpResponse<byte[]> g = f.send("GET", "/bkt/dst2", null);
    assertThat(g.headers().firstValue("x-amz-meta-b")).contains("2");
    assertThat(g.headers().firstValue("x-amz-meta-a")).isEmpty();
    assertThat(g.headers().firstValue("Content-Type")).contains("text/b");
    assertThat(text(f.send("PUT", "/bkt/dst3", null, "x-amz-copy-source", "/bkt/src%20key", "x-amz-copy-source-if-match", "\"nope\"")))
        .contains("<Code>PreconditionFailed</Code>");
    assertThat(text(f.send("PUT", "/bkt/dst", null, "x-amz-copy-source", "/bkt/dst"))).contains("<Code>InvalidRequest</Code>");
    String tags = "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>";
    assertThat(f.send("PUT", "/bkt/dst?tagging", tags.getBytes()).statusCode()).isEqualTo(200);
    assertThat(text(f.send("GET", "/bkt/dst?tagging", null))).contains("<Tag><Key>k</Key><Value>v</Value></Tag>");
    assertThat(f.send("DELETE", "/bkt/dst?tagging", null).statusCode()).isEqualTo(204);
    assertThat(text(f.send("GET", "/bkt/dst?tagging", null))).contains("<TagSet></TagSet>");
    String dup = "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>k</Key><Value>w</Value></Tag></TagSet></Tagging>";
    assertThat(text(f.send("PUT", "/bkt/dst?tagging", dup.getBytes()))).contains("<Code>InvalidTag</Code>");
  }

  @Test
  void multipartOverHttp() throws Exception {
    String init = text(f.send("POST", "/bkt/mp?uploads", null));
    assertThat(init).contains("<InitiateMultipartUploadResult", "<Bucket>bkt</Bucket>", "<Key>mp</Key>");
    String id = init.replaceAll("(?s).*<UploadId>(.*)</UploadId>.*", "$1");
    String e1 = f.send("PUT", "/bkt/mp?partNumber=1&uploadId=" + id, "aaa".getBytes()).headers().firstValue("ETag").orElseThrow();
    String e2 = f.send("PUT", "/bkt/mp?partNumber=2&uploadId=" + id, "bbb".getBytes()).headers().firstValue("ETag").orElseThrow();
    assertThat(text(f.send("GET", "/bkt/mp?uploadId=" + id, null))).contains("<PartNumber>1</PartNumber>", "<PartNumber>2</PartNumber>", "<Size>3</Size>");
    assertThat(text(f.send("GET", "/bkt?uploads", null))).contains("<Upload><Key>mp</Key><UploadId>" + id + "</UploadId>");
    assertThat(text(f.send("PUT", "/bkt/mp?partNumber=0&uploadId=" + id, "x".getBytes()))).contains("<Code>InvalidArgument</Code>");
    String done = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + e1 + "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>" + e2
        + "</ETag></Part></CompleteMultipartUpload>";
    String r = text(f.send("POST", "/bkt/mp?uploadId=" + id, done.getBytes()));
    assertThat(r).contains("<CompleteMultipartUploadResult", "<Key>mp</Key>", "-2&quot;</ETag>");
    assertThat(text(f.send("GET", "/bkt/mp", null))).isEqualTo("aaabbb");
    HttpResponse<byte[]> gone = f.send("DELETE", "/bkt/mp?uploadId=" + id, null);
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(text(gone)).contains("<Code>NoSuchUpload</Code>", "<UploadId>" + id + "</UploadId>");
  }

  @Test
  void readOnlyKeysAndAnonymousCallers() throws Exception {
    put("/bkt/k", "x");
    assertThat(f.send(AUTH_RO, "GET", "/bkt/k", null).statusCode()).isEqualTo(200);
    HttpResponse<byte[]> ro = f.send(AUTH_RO, "PUT", "/bkt/k", "y".getBytes());
    assertThat(ro.statusCode()).isEqualTo(403);
    assertThat(text(ro)).contains("<Code>AccessDenied</Code>");
    assertThat(f.send(AUTH_RO, "DELETE", "/bkt/k", null).statusCode()).isEqualTo(403);
    assertThat(f.send(null, "GET", "/bkt/k", null).statusCode()).isEqualTo(403);
    assertThat(f.send(null, "GET", "/", null).statusCode()).isEqualTo(403);
    put("/pub", "");
    put("/pub/open", "public");
    assertThat(text(f.send(null, "GET", "/pub/open", null))).isEqualTo("public");
    assertThat(f.send(null, "GET", "/pub?list-type=2", null).statusCode()).isEqualTo(200);
    assertThat(f.send(null, "PUT", "/pub/open", "w".getBytes()).statusCode()).isEqualTo(403);
    assertThat(text(f.send("GET", "/bkt/k", null, "Authorization", "x")).length()).isPositive();
  }

  @Test
  void virtualHostAddressing() throws Exception {
    put("/bkt/v%20k", "vhost");
    String r = f.raw("GET /v%20k HTTP/1.1\r\nHost: bkt.s3.test:" + f.gateway.port() + "\r\nAuthorization: " + GatewayFixture.AUTH_RW
        + "\r\nConnection: close\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 200").endsWith("vhost");
    String list = f.raw("GET /?list-type=2 HTTP/1.1\r\nHost: bkt.s3.test\r\nAuthorization: " + GatewayFixture.AUTH_RW + "\r\nConnection: close\r\n\r\n");
    assertThat(list).contains("<Name>bkt</Name>", "<Key>v k</Key>");
    // a host outside the domains is path style
    String path = f.raw("GET /bkt/v%20k HTTP/1.1\r\nHost: other.example\r\nAuthorization: " + GatewayFixture.AUTH_RW + "\r\nConnection: close\r\n\r\n");
    assertThat(path).endsWith("vhost");
  }

  @Test
  void metricsCountOperationsAndStatuses() throws Exception {
    put("/bkt/m", "x");
    f.send("GET", "/bkt/m", null);
    f.send("GET", "/bkt/missing", null);
    // a sample is recorded once the response was sent: wait for it (generous deadline)
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (f.metrics.findLatency("nectar_s3_request", "operation", "GetObject", "status", "404").isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      Thread.sleep(5);
    }
    assertThat(f.metrics.findLatency("nectar_s3_request", "operation", "GetObject", "status", "200")).isPresent()
        .hasValueSatisfying(l -> assertThat(l.count()).isEqualTo(1));
    assertThat(f.metrics.findLatency("nectar_s3_request", "operation", "GetObject", "status", "404")).isPresent();
    assertThat(f.metrics.findLatency("nectar_s3_request", "operation", "PutObject", "status", "200")).isPresent();
  }
}
