package io.nectarfs.gateway.webdav;

import io.nectarfs.fs.FileApi;
import java.io.IOException;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import org.w3c.dom.Element;

/**
 * LOCK (new locks, refreshes by an empty body with the token in the If header) and UNLOCK. A LOCK
 * of an unmapped URL creates an empty file, the "locked empty resource" of RFC 4918 §7.3 (201).
 */
final class LockMethods {
  private final DavHandler dav;
  private final FileApi fs;

  LockMethods(DavHandler dav) {
    this.dav = dav;
    this.fs = dav.fs;
  }

  void lock(Exchange x) throws IOException, DavException {
    long timeout = timeout(x.header("Timeout"));
    byte[] body = x.xmlBody();
    if (body.length == 0) {
      refresh(x, timeout);
      return;
    }
    Element info = DavXml.parse(body).getDocumentElement();
    if (!DavXml.is(info, "lockinfo")) {
      throw new DavException(400, "the LOCK body must be a DAV:lockinfo element");
    }
    Element scope = DavXml.child(info, "lockscope");
    Element type = DavXml.child(info, "locktype");
    if (scope == null || type == null || DavXml.child(type, "write") == null) {
      throw new DavException(400, "DAV:lockinfo needs a lockscope and a write locktype");
    }
    boolean exclusive = DavXml.child(scope, "exclusive") != null;
    if (!exclusive && DavXml.child(scope, "shared") == null) {
      throw new DavException(400, "DAV:lockscope must be exclusive or shared");
    }
    Element ownerEl = DavXml.child(info, "owner");
    String owner = ownerEl == null ? null : DavXml.serialize(ownerEl);
    String depth = x.header("Depth");
    boolean infinite = depth == null || depth.trim().equalsIgnoreCase("infinity");
    if (!infinite && !depth.trim().equals("0")) {
      throw new DavException(400, "Depth of LOCK must be 0 or infinity");
    }
    FileApi.Stat s = dav.statOrNull(x.ctx, x.path);
    dav.conditional(x, s);
    if (s == null) {
      String parent = DavPaths.parent(x.path);
      FileApi.Stat p = parent == null ? null : dav.statOrNull(x.ctx, parent);
      if (p == null || !p.attr().isDir()) {
        throw new DavException(409, "the parent collection " + parent + " does not exist");
      }
      dav.checkWrite(x, x.path, false);
    }
    LockTable.Lock l = dav.locks.lock(x.path, infinite, exclusive, owner, timeout);
    if (s == null) {
      try {
        fs.open(x.ctx, x.path, EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW), 0644).close();
      } catch (IOException | RuntimeException e) {
        dav.locks.unlock(x.path, l.token());
        throw e;
      }
    }
    x.header("Lock-Token", "<" + l.token() + ">");
    x.xml(s == null ? 201 : 200, "<D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>" + Props.activeLock(l, dav.clock) + "</D:lockdiscovery></D:prop>\n");
  }

  private void refresh(Exchange x, long timeout) throws IOException, DavException {
    if (x.tokens().isEmpty()) {
      throw new DavException(400, "a LOCK refresh needs the lock token in the If header");
    }
    DavException last = null;
    for (String token : x.tokens()) {
      try {
        LockTable.Lock l = dav.locks.refresh(x.path, token, timeout);
        x.xml(200, "<D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>" + Props.activeLock(l, dav.clock) + "</D:lockdiscovery></D:prop>\n");
        return;
      } catch (DavException e) {
        last = e;
      }
    }
    throw last;
  }

  void unlock(Exchange x) throws IOException, DavException {
    String h = x.header("Lock-Token");
    if (h == null || !h.trim().startsWith("<") || !h.trim().endsWith(">")) {
      throw new DavException(400, "UNLOCK needs a Lock-Token header: <token>");
    }
    String token = h.trim().substring(1, h.trim().length() - 1);
    dav.locks.unlock(x.path, token);
    x.status(204);
  }

  /** Seconds from a Timeout header: the first "Second-N" or "Infinite" (0 = the longest the table grants). */
  static long timeout(String header) {
    if (header == null) {
      return 0;
    }
    for (String part : header.split(",")) {
      String p = part.trim();
      if (p.equalsIgnoreCase("Infinite")) {
        return 0;
      }
      if (p.regionMatches(true, 0, "Second-", 0, 7)) {
        try {
          return Long.parseLong(p.substring(7));
        } catch (NumberFormatException e) {
          // try the next one
        }
      }
    }
    return 0;
  }
}
