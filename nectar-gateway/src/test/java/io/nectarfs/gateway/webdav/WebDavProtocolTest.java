package io.nectarfs.gateway.webdav;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.fs.FileApi;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The protocol pieces over real HTTP against a server on an in-memory volume (JDK HTTP client; no mocks). */
class WebDavProtocolTest {
  private DavFixture dav;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws IOException {
    dav = DavFixture.start();
  }

  @AfterEach
  void stop() throws IOException {
    http.close();
    dav.close();
  }

  private HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(dav.url() + path.substring(1))).timeout(Duration.ofSeconds(60))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<byte[]> send(String method, String path, String body, String... headers) throws Exception {
    return send(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
  }

  private static Document xml(HttpResponse<byte[]> r) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    return f.newDocumentBuilder().parse(new ByteArrayInputStream(r.body()));
  }

  private static List<String> texts(Document d, String davLocal) {
    NodeList n = d.getElementsByTagNameNS("DAV:", davLocal);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n.getLength(); i++) {
      out.add(n.item(i).getTextContent());
    }
    return out;
  }

  @Test
  void propfind_depth1_listsMembersWithLiveProps_404sUnknownOnes_andRefusesInfinity() throws Exception {
    assertThat(send("MKCOL", "/dir", (String) null).statusCode()).isEqualTo(201);
    assertThat(send("PUT", "/dir/a%20b.txt", "hello", "Content-Type", "text/plain").statusCode()).isEqualTo(201);
    assertThat(send("MKCOL", "/dir/sub", (String) null).statusCode()).isEqualTo(201);
    String body = "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:prop>"
        + "<D:getcontentlength/><D:resourcetype/><D:getetag/><Z:nothing/></D:prop></D:propfind>";
    HttpResponse<byte[]> r = send("PROPFIND", "/dir", body, "Depth", "1");
    assertThat(r.statusCode()).isEqualTo(207);
    Document d = xml(r);
    assertThat(texts(d, "href")).containsExactly("/dir/", "/dir/a%20b.txt", "/dir/sub/");
    assertThat(texts(d, "getcontentlength")).contains("5");
    assertThat(d.getElementsByTagNameNS("DAV:", "collection").getLength()).isEqualTo(2);
    assertThat(d.getElementsByTagNameNS("urn:z", "nothing").getLength()).isEqualTo(3);
    assertThat(texts(d, "status")).contains("HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK");
    HttpResponse<byte[]> inf = send("PROPFIND", "/dir", body, "Depth", "infinity");
    assertThat(inf.statusCode()).isEqualTo(403);
    assertThat(new String(inf.body(), StandardCharsets.UTF_8)).contains("propfind-finite-depth");
    assertThat(send("PROPFIND", "/dir", "<not xml", "Depth", "0").statusCode()).isEqualTo(400);
  }

  @Test
  void proppatch_deadPropertiesKeepTheirNamespaces_liveInXattrs_andMoveWithTheFile() throws Exception {
    send("PUT", "/f", "x");
    String set = "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop><Q:color xmlns:Q=\"urn:q\"><Q:rgb xmlns:Q=\"urn:q\">red</Q:rgb></Q:color>"
        + "<plain xmlns=\"\">v</plain></D:prop></D:set></D:propertyupdate>";
    HttpResponse<byte[]> r = send("PROPPATCH", "/f", set);
    assertThat(r.statusCode()).isEqualTo(207);
    assertThat(texts(xml(r), "status")).containsExactly("HTTP/1.1 200 OK");
    assertThat(dav.volume.fileSystem().listXattrs(Ctx.ROOT, "/f")).contains("user.webdav.urn:q color", "user.webdav. plain");
    assertThat(send("MOVE", "/f", (String) null, "Destination", dav.url() + "g").statusCode()).isEqualTo(201);
    Document d = xml(send("PROPFIND", "/g", "<D:propfind xmlns:D=\"DAV:\"><D:prop><color xmlns=\"urn:q\"/></D:prop></D:propfind>", "Depth", "0"));
    Element rgb = (Element) d.getElementsByTagNameNS("urn:q", "rgb").item(0);
    assertThat(rgb.getTextContent()).isEqualTo("red");
    // a protected (live) property fails the whole update: nothing applied, the rest 424
    String mixed = "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop><D:getetag>x</D:getetag><n xmlns=\"urn:n\">1</n></D:prop></D:set></D:propertyupdate>";
    List<String> st = texts(xml(send("PROPPATCH", "/g", mixed)), "status");
    assertThat(st).containsExactlyInAnyOrder("HTTP/1.1 403 Forbidden", "HTTP/1.1 424 Failed Dependency");
    assertThat(dav.volume.fileSystem().listXattrs(Ctx.ROOT, "/g")).noneMatch(x -> x.contains("urn:n"));
  }

  @Test
  void get_servesRanges_andConditionalHeaders() throws Exception {
    send("PUT", "/r", "0123456789");
    HttpResponse<byte[]> r = send("GET", "/r", (String) null, "Range", "bytes=2-5");
    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("2345");
    assertThat(r.headers().firstValue("Content-Range")).hasValue("bytes 2-5/10");
    assertThat(new String(send("GET", "/r", (String) null, "Range", "bytes=-3").body(), StandardCharsets.UTF_8)).isEqualTo("789");
    HttpResponse<byte[]> unsatisfiable = send("GET", "/r", (String) null, "Range", "bytes=10-");
    assertThat(unsatisfiable.statusCode()).isEqualTo(416);
    assertThat(unsatisfiable.headers().firstValue("Content-Range")).hasValue("bytes */10");
    String etag = send("HEAD", "/r", (String) null).headers().firstValue("ETag").orElseThrow();
    assertThat(send("GET", "/r", (String) null, "If-None-Match", etag).statusCode()).isEqualTo(304);
    assertThat(send("PUT", "/r", "new", "If-Match", "\"nope\"").statusCode()).isEqualTo(412);
    assertThat(send("PUT", "/r", "new", "If-None-Match", "*").statusCode()).isEqualTo(412);
    assertThat(send("PUT", "/r", "new", "If-Match", etag).statusCode()).isEqualTo(204);
    assertThat(send("GET", "/r", (String) null, "If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT").statusCode()).isEqualTo(304);
  }

  @Test
  void namesWithPercentSemicolonSpacesAndUtf8_areServed_dotDotIsRefused() throws Exception {
    for (String p : List.of("/p%25q", "/a;b", "/sp%20ace", "/%C3%BC")) {
      assertThat(send("PUT", p, "x").statusCode()).as(p).isEqualTo(201);
      assertThat(send("GET", p, (String) null).statusCode()).as(p).isEqualTo(200);
    }
    assertThat(dav.volume.fileSystem().list(Ctx.ROOT, "/")).extracting(FileApi.Child::name).contains("p%q", "a;b", "sp ace", "ü");
    assertThat(send("PUT", "/a%2Fb", "x").statusCode()).isEqualTo(400);
  }

  @Test
  void put_isAtomic_anAbortedUploadLeavesTheOldContentAndNoTemporaryFile() throws Exception {
    send("PUT", "/keep", "old");
    try (Socket s = new Socket("127.0.0.1", dav.server.port())) {
      OutputStream out = s.getOutputStream();
      out.write(("PUT /keep HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[100_000]);
      out.flush();
    } // the client vanishes mid-body
    // The server records a request after handling it (the temporary file is removed by then): wait for both PUTs.
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (putsHandled() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(putsHandled()).as("the aborted PUT was handled").isEqualTo(2);
    assertThat(hasTemp()).as("temporary file removed").isFalse();
    assertThat(new String(dav.volume.fileSystem().readAll(Ctx.ROOT, "/keep"), StandardCharsets.UTF_8)).isEqualTo("old");
  }

  private long putsHandled() {
    return dav.volume.metrics().latencies("nectar_webdav_request").stream()
        .filter(l -> "PUT".equals(l.tags().get("method"))).mapToLong(io.nectarfs.common.Latency::count).sum();
  }

  private boolean hasTemp() throws IOException {
    return dav.volume.fileSystem().list(Ctx.ROOT, "/").stream().anyMatch(c -> c.name().startsWith(FileMethods.TEMP_PREFIX));
  }

  @Test
  void copyOfAFile_sharesItsStoredData_noNewObjects() throws Exception {
    byte[] data = new byte[3 << 20];
    new Random(7).nextBytes(data);
    assertThat(send("PUT", "/big", data).statusCode()).isEqualTo(201);
    int before = dav.volume.storage().listKeys("").size();
    assertThat(send("COPY", "/big", (String) null, "Destination", dav.url() + "copy").statusCode()).isEqualTo(201);
    assertThat(send("GET", "/copy", (String) null).body()).isEqualTo(data);
    assertThat(dav.volume.storage().listKeys("").size()).isEqualTo(before);
    assertThat(send("COPY", "/big", (String) null, "Destination", dav.url() + "copy", "Overwrite", "F").statusCode()).isEqualTo(412);
    assertThat(send("COPY", "/big", (String) null, "Destination", dav.url() + "nodir/x").statusCode()).isEqualTo(409);
  }

  @Test
  void lockOfAnUnmappedUrl_createsALockedEmptyFile_writesNeedTheToken() throws Exception {
    String info = "<D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>"
        + "<D:owner>me</D:owner></D:lockinfo>";
    HttpResponse<byte[]> r = send("LOCK", "/locked", info, "Timeout", "Second-100");
    assertThat(r.statusCode()).isEqualTo(201);
    String token = r.headers().firstValue("Lock-Token").orElseThrow();
    assertThat(dav.volume.fileSystem().stat(Ctx.ROOT, "/locked").attr().length()).isZero();
    assertThat(send("PUT", "/locked", "x").statusCode()).isEqualTo(423);
    assertThat(send("DELETE", "/locked", (String) null).statusCode()).isEqualTo(423);
    assertThat(send("PUT", "/locked", "x", "If", "(" + token + ")").statusCode()).isEqualTo(204);
    assertThat(send("PUT", "/locked", "x", "If", "(<opaquelocktoken:wrong>)").statusCode()).isEqualTo(412);
    Document d = xml(send("PROPFIND", "/locked", "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:lockdiscovery/></D:prop></D:propfind>", "Depth", "0"));
    assertThat(texts(d, "href")).contains(token.substring(1, token.length() - 1));
    assertThat(send("UNLOCK", "/locked", (String) null, "Lock-Token", token).statusCode()).isEqualTo(204);
    assertThat(send("PUT", "/locked", "y").statusCode()).isEqualTo(204);
  }

  @Test
  void basicAuth_isRequiredWhenConfigured_andRequestsActAsTheMappedUser() throws Exception {
    try (DavFixture secured = DavFixture.start(BasicAuth.user("alice", "s3cret", 1000, 1000), Clock.SYSTEM)) {
      URI u = URI.create(secured.url());
      HttpResponse<String> anon = http.send(HttpRequest.newBuilder(u).method("PROPFIND", HttpRequest.BodyPublishers.noBody())
          .header("Depth", "0").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(anon.statusCode()).isEqualTo(401);
      assertThat(anon.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
      String wrong = "Basic " + Base64.getEncoder().encodeToString("alice:nope".getBytes(StandardCharsets.UTF_8));
      String right = "Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
      assertThat(http.send(HttpRequest.newBuilder(u).header("Authorization", wrong).build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
      assertThat(http.send(HttpRequest.newBuilder(u).header("Authorization", right).build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
      // alice (uid 1000) may not write into the root-owned 0755 root
      secured.volume.fileSystem().chmod(Ctx.ROOT, "/", 0755);
      HttpResponse<String> put = http.send(HttpRequest.newBuilder(u.resolve("/x")).header("Authorization", right)
          .PUT(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).isEqualTo(403);
      // nor replace root's 0644 file in a directory she may write (a rename would allow it: PUT checks the file)
      secured.volume.fileSystem().mkdir(Ctx.ROOT, "/shared", 0777);
      secured.volume.fileSystem().writeAll(Ctx.ROOT, "/shared/roots", "mine".getBytes(StandardCharsets.UTF_8));
      HttpResponse<String> replace = http.send(HttpRequest.newBuilder(u.resolve("/shared/roots")).header("Authorization", right)
          .PUT(HttpRequest.BodyPublishers.ofString("hers")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(replace.statusCode()).isEqualTo(403);
      assertThat(secured.volume.fileSystem().readAll(Ctx.ROOT, "/shared/roots")).asString(StandardCharsets.UTF_8).isEqualTo("mine");
    }
  }

  @Test
  void readOnlyServer_refusesEveryChange_butServesReads() throws Exception {
    try (DavFixture ro = DavFixture.start(BasicAuth.none(0, 0), Clock.SYSTEM, true)) {
      ro.volume.fileSystem().writeAll(Ctx.ROOT, "/f", "x".getBytes(StandardCharsets.UTF_8));
      URI u = URI.create(ro.url());
      for (String m : List.of("PUT", "DELETE", "MKCOL", "PROPPATCH", "LOCK", "MOVE")) {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(u.resolve("/f")).method(m, HttpRequest.BodyPublishers.ofString("x"))
            .header("Destination", ro.url() + "g").build(), HttpResponse.BodyHandlers.discarding());
        assertThat(r.statusCode()).as(m).isEqualTo(403);
        assertThat(r.headers().firstValue("Connection")).as("%s: its body unread, the connection ends, and the client is told", m).hasValue("close");
      }
      assertThat(http.send(HttpRequest.newBuilder(u.resolve("/f")).build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("x");
      assertThat(ro.volume.fileSystem().list(Ctx.ROOT, "/")).extracting(FileApi.Child::name).containsExactly("f");
    }
  }
}
