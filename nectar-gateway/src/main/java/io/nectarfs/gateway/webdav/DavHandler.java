package io.nectarfs.gateway.webdav;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.fs.FileApi;
import java.io.IOException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Set;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Jetty handler of the WebDAV server: authenticates the caller, decodes the path, checks the
 * If header and the conditional headers, and dispatches on the method to {@link FileMethods},
 * {@link PropMethods} and {@link LockMethods}. Every failure becomes one status with a one-line
 * body (an RFC 4918 precondition element where one applies); an unexpected exception is logged
 * once and answered 500.
 *
 * <p>Concurrency: Jetty calls {@link #handle} on virtual threads, any number at once; the handler
 * keeps no per-request state (the {@link FileApi} and the {@link LockTable} are thread-safe).
 */
final class DavHandler extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(DavHandler.class);
  static final Set<String> METHODS = Set.of("OPTIONS", "GET", "HEAD", "PUT", "DELETE", "MKCOL", "COPY", "MOVE", "PROPFIND", "PROPPATCH", "LOCK", "UNLOCK");
  static final Set<String> WRITES = Set.of("PUT", "DELETE", "MKCOL", "COPY", "MOVE", "PROPPATCH", "LOCK", "UNLOCK");

  private final WebDavServer.Options options;
  final FileApi fs;
  final LockTable locks;
  final Clock clock;
  private final FileMethods files;
  private final PropMethods props;
  private final LockMethods lockMethods;

  DavHandler(FileApi fs, WebDavServer.Options options) {
    this.fs = fs;
    this.options = options;
    this.clock = options.clock();
    this.locks = new LockTable(clock);
    this.files = new FileMethods(this);
    this.props = new PropMethods(this);
    this.lockMethods = new LockMethods(this);
  }

  boolean readOnly() {
    return options.readOnly();
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    long start = System.nanoTime();
    try {
      serve(request, response, callback);
    } finally {
      String m = request.getMethod();
      options.metrics().latency("nectar_webdav_request", "WebDAV requests by method and status",
          "method", METHODS.contains(m) ? m : "other", "status", Integer.toString(response.getStatus()))
          .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
    return true;
  }

  private void serve(Request request, Response response, Callback callback) {
    String method = request.getMethod();
    Exchange x = null;
    try {
      Ctx ctx = options.auth().authenticate(request.getHeaders().get("Authorization"));
      if (ctx == null) {
        closeIfBodyUnread(request, response);
        response.getHeaders().put("WWW-Authenticate", "Basic realm=\"nectarfs\", charset=\"UTF-8\"");
        new Exchange(request, response, "/", Ctx.ROOT, null).send(401, "text/plain; charset=utf-8", "authentication required\n");
        callback.succeeded();
        return;
      }
      String path = DavPaths.decode(request.getHttpURI().getPath());
      String ifh = request.getHeaders().get("If");
      x = new Exchange(request, response, path, ctx, ifh == null ? null : IfHeader.parse(ifh));
      if (readOnly() && WRITES.contains(method)) {
        throw new DavException(403, "the WebDAV server is read-only");
      }
      checkIf(x);
      dispatch(x);
    } catch (DavException e) {
      fail(request, response, x, e);
    } catch (FsException e) {
      fail(request, response, x, DavErrors.of(e));
    } catch (IOException | RuntimeException e) {
      if (response.isCommitted()) {
        // typically the client went away mid-body: nothing more to tell it
        LOG.debug("{} {}: {}", method, x == null ? "?" : x.path, e.toString());
        callback.failed(e);
        return;
      }
      if (e instanceof IOException) {
        // a broken upload or a failing engine/store: one line (the file API's message names the path)
        LOG.warn("{} {}: {}", method, x == null ? "?" : x.path, e.toString());
      } else {
        LOG.error("{} {} failed", method, x == null ? "?" : x.path, e); // a bug: keep the stack
      }
      fail(request, response, x, new DavException(500, "internal error: " + e.getMessage()));
    }
    callback.succeeded();
  }

  private void dispatch(Exchange x) throws IOException, DavException {
    switch (x.method) {
      case "OPTIONS" -> options(x);
      case "GET", "HEAD" -> files.get(x);
      case "PUT" -> files.put(x);
      case "DELETE" -> files.delete(x);
      case "MKCOL" -> files.mkcol(x);
      case "COPY", "MOVE" -> files.copyOrMove(x, x.method.equals("MOVE"));
      case "PROPFIND" -> props.propfind(x);
      case "PROPPATCH" -> props.proppatch(x);
      case "LOCK" -> lockMethods.lock(x);
      case "UNLOCK" -> lockMethods.unlock(x);
      default -> throw new DavException(405, x.method + " is not supported");
    }
  }

  private void options(Exchange x) throws IOException {
    x.header("DAV", "1, 2");
    x.header("MS-Author-Via", "DAV");
    x.header("Allow", "OPTIONS, GET, HEAD, PUT, DELETE, MKCOL, COPY, MOVE, PROPFIND, PROPPATCH, LOCK, UNLOCK");
    x.status(200);
  }

  private void fail(Request request, Response response, Exchange x, DavException e) {
    if (response.isCommitted()) {
      return;
    }
    try {
      response.reset();
      closeIfBodyUnread(request, response);
      Exchange out = x != null ? x : new Exchange(request, response, "/", Ctx.ROOT, null);
      if (e.status() == 405) {
        out.header("Allow", "OPTIONS, GET, HEAD, PUT, DELETE, MKCOL, COPY, MOVE, PROPFIND, PROPPATCH, LOCK, UNLOCK");
      }
      if (e.condition() != null) {
        out.xml(e.status(), "<D:error xmlns:D=\"DAV:\"><D:" + e.condition() + "/></D:error>");
      } else {
        out.send(e.status(), "text/plain; charset=utf-8", (e.getMessage() == null ? DavXml.reason(e.status()) : e.getMessage()) + "\n");
      }
    } catch (IOException | RuntimeException again) {
      LOG.debug("could not send the error response", again);
    }
  }

  /**
   * An answer sent before the request's body was read (a refusal, a failure) ends the connection:
   * Jetty closes a connection whose request body is left unread once the answer is out, and a
   * client that was not told so sends its next request on it and gets no answer (seen with the JDK
   * client after a 403 to a read-only server's PUT). {@code Connection: close} tells it.
   */
  private static void closeIfBodyUnread(Request request, Response response) {
    if (request.getLength() != 0) { // -1: chunked or unknown, also a body
      response.getHeaders().put("Connection", "close");
    }
  }

  /** Stat of {@code path}, or null when it does not exist. */
  FileApi.Stat statOrNull(Ctx ctx, String path) throws IOException {
    try {
      return fs.stat(ctx, path, false);
    } catch (FsException e) {
      if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) {
        return null;
      }
      throw e;
    }
  }

  /** 412 when the If header is present and false (RFC 4918 §10.4). */
  private void checkIf(Exchange x) throws IOException, DavException {
    if (x.ifHeader == null) {
      return;
    }
    boolean ok = x.ifHeader.evaluate((resource, c) -> {
      String path = resource == null ? x.path : DavPaths.destination(resource);
      if (c.token() != null) {
        LockTable.Lock l = locks.get(c.token());
        return l != null && l.covers(path);
      }
      FileApi.Stat s = statOrNull(x.ctx, path);
      return s != null && Props.etag(s).equals(c.etag());
    });
    if (!ok) {
      throw new DavException(412, "the If header's condition does not hold");
    }
  }

  /** Lock check of a change of {@code path} (recursive: the whole tree below it). */
  void checkWrite(Exchange x, String path, boolean recursive) throws DavException {
    locks.checkWrite(path, recursive, x.tokens());
  }

  /**
   * If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since against {@code s} (null:
   * the resource does not exist). Returns 304 for a GET/HEAD that need not be sent, 0 to go on;
   * throws 412 when a precondition fails.
   */
  int conditional(Exchange x, FileApi.Stat s) throws DavException {
    boolean read = x.method.equals("GET") || x.method.equals("HEAD");
    String etag = s == null ? null : Props.etag(s);
    String im = x.header("If-Match");
    if (im != null && !matches(im, etag)) {
      throw new DavException(412, "If-Match does not match " + x.path);
    }
    String inm = x.header("If-None-Match");
    if (inm != null && matches(inm, etag)) {
      if (read) {
        return 304;
      }
      throw new DavException(412, "If-None-Match matches " + x.path);
    }
    long mtimeSec = s == null ? 0 : Math.floorDiv(s.attr().mtime(), 1_000_000_000L);
    String ius = x.header("If-Unmodified-Since");
    if (ius != null && im == null && s != null) {
      Long t = date(ius);
      if (t != null && mtimeSec > t) {
        throw new DavException(412, x.path + " was modified since " + ius);
      }
    }
    String ims = x.header("If-Modified-Since");
    if (ims != null && inm == null && read && s != null) {
      Long t = date(ims);
      if (t != null && mtimeSec <= t) {
        return 304;
      }
    }
    return 0;
  }

  private static boolean matches(String header, String etag) {
    if (etag == null) {
      return false;
    }
    for (String part : header.split(",")) {
      String p = part.trim();
      if (p.equals("*") || p.equals(etag) || p.startsWith("W/") && p.substring(2).equals(etag)) {
        return true;
      }
    }
    return false;
  }

  private static Long date(String h) {
    try {
      return ZonedDateTime.parse(h.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
    } catch (RuntimeException e) {
      return null; // an invalid date is ignored (RFC 9110 §13.1.3)
    }
  }
}
