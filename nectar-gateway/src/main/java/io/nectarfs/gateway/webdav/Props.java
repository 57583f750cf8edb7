package io.nectarfs.gateway.webdav;

import io.nectarfs.gateway.http.HttpDates;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.fs.FileApi;
import io.nectarfs.meta.Attr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.namespace.QName;

/**
 * Properties of a resource: the live ones computed from its attributes and the lock table, and
 * dead ones (set by PROPPATCH) kept as extended attributes {@code user.webdav.<namespace> <name>}
 * whose value is the property element's XML text, so they move with rename, are copied by COPY
 * and vanish with the file.
 */
final class Props {
  static final String XATTR_PREFIX = "user.webdav.";
  static final List<QName> LIVE = List.of(
      dav("creationdate"), dav("displayname"), dav("getcontentlength"), dav("getcontenttype"), dav("getetag"),
      dav("getlastmodified"), dav("resourcetype"), dav("supportedlock"), dav("lockdiscovery"));

  private Props() {}

  static QName dav(String local) {
    return new QName(DavXml.DAV, local);
  }

  static boolean isLive(QName q) {
    return LIVE.contains(q);
  }

  /** The strong ETag of a file or directory: inode, modification time and length. */
  static String etag(FileApi.Stat s) {
    Attr a = s.attr();
    return "\"" + Long.toHexString(s.ino()) + "-" + Long.toHexString(a.mtime()) + "-" + Long.toHexString(a.length()) + "\"";
  }

  static String httpDate(long nanos) {
    return HttpDates.format(Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L)));
  }

  static String contentType(String path) {
    String t = java.net.URLConnection.getFileNameMap().getContentTypeFor(DavPaths.name(path));
    return t != null ? t : "application/octet-stream";
  }

  /** The content of live property {@code q} (XML, possibly empty), or null when it does not apply. */
  static String live(QName q, String path, FileApi.Stat s, LockTable locks, Clock clock) {
    Attr a = s.attr();
    return switch (q.getLocalPart()) {
      case "creationdate" -> DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(Math.min(a.ctime(), a.mtime()) / 1_000_000_000L));
      case "displayname" -> DavXml.escape(DavPaths.name(path));
      case "getcontentlength" -> a.isDir() ? null : Long.toString(a.length());
      case "getcontenttype" -> a.isDir() ? null : DavXml.escape(contentType(path));
      case "getetag" -> DavXml.escape(etag(s));
      case "getlastmodified" -> httpDate(a.mtime());
      case "resourcetype" -> a.isDir() ? "<D:collection/>" : "";
      case "supportedlock" -> "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>"
          + "<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>";
      case "lockdiscovery" -> lockDiscovery(locks.covering(path), clock);
      default -> null;
    };
  }

  static String lockDiscovery(List<LockTable.Lock> locks, Clock clock) {
    StringBuilder sb = new StringBuilder();
    for (LockTable.Lock l : locks) {
      sb.append(activeLock(l, clock));
    }
    return sb.toString();
  }

  static String activeLock(LockTable.Lock l, Clock clock) {
    return "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope>" + (l.exclusive() ? "<D:exclusive/>" : "<D:shared/>")
        + "</D:lockscope><D:depth>" + (l.infinite() ? "infinity" : "0") + "</D:depth>"
        + (l.owner() != null ? l.owner() : "")
        + "<D:timeout>Second-" + l.secondsLeft(clock) + "</D:timeout>"
        + "<D:locktoken><D:href>" + DavXml.escape(l.token()) + "</D:href></D:locktoken>"
        + "<D:lockroot><D:href>" + DavXml.escape(DavPaths.encode(l.root(), false)) + "</D:href></D:lockroot></D:activelock>";
  }

  // ---- dead properties ----

  static String xattrName(QName q) {
    return XATTR_PREFIX + q.getNamespaceURI() + " " + q.getLocalPart();
  }

  static QName fromXattr(String name) {
    if (!name.startsWith(XATTR_PREFIX)) {
      return null;
    }
    String rest = name.substring(XATTR_PREFIX.length());
    int sp = rest.lastIndexOf(' ');
    return sp < 0 ? null : new QName(rest.substring(0, sp), rest.substring(sp + 1));
  }

  /** Every dead property of {@code path}: name → the property element's XML. */
  static Map<QName, String> dead(FileApi fs, Ctx ctx, String path) throws IOException {
    Map<QName, String> out = new LinkedHashMap<>();
    for (String x : fs.listXattrs(ctx, path)) {
      QName q = fromXattr(x);
      if (q != null) {
        try {
          out.put(q, new String(fs.getXattr(ctx, path, x), StandardCharsets.UTF_8));
        } catch (FsException e) {
          if (e.errno() != Errno.ENODATA) {
            throw e;
          }
        }
      }
    }
    return out;
  }

  /** Copies the dead properties of {@code from} onto {@code to}. */
  static void copyDead(FileApi fs, Ctx ctx, String from, String to) throws IOException {
    for (String x : fs.listXattrs(ctx, from)) {
      if (x.startsWith(XATTR_PREFIX)) {
        try {
          fs.setXattr(ctx, to, x, fs.getXattr(ctx, from, x), 0);
        } catch (FsException e) {
          if (e.errno() != Errno.ENODATA) {
            throw e;
          }
        }
      }
    }
  }
}
