package io.nectarfs.gateway.webdav;

import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.fs.FileApi;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.namespace.QName;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * PROPFIND (Depth 0 and 1; infinity is refused with DAV:propfind-finite-depth, as RFC 4918
 * §9.1 allows) and PROPPATCH (all or nothing: a failed instruction fails the others with 424 and
 * what was applied is put back). A Depth 1 listing streams one response element per member, page
 * by page, never holding the directory.
 */
final class PropMethods {
  private enum Kind { ALLPROP, PROPNAME, PROP }

  private final DavHandler dav;
  private final FileApi fs;

  PropMethods(DavHandler dav) {
    this.dav = dav;
    this.fs = dav.fs;
  }

  void propfind(Exchange x) throws IOException, DavException {
    String depth = x.header("Depth");
    int d;
    if (depth == null || depth.trim().equalsIgnoreCase("infinity")) {
      throw new DavException(403, "propfind-finite-depth", "PROPFIND with Depth infinity is not served: use Depth 0 or 1");
    } else if (depth.trim().equals("0")) {
      d = 0;
    } else if (depth.trim().equals("1")) {
      d = 1;
    } else {
      throw new DavException(400, "Depth must be 0, 1 or infinity");
    }
    byte[] body = x.xmlBody();
    Kind kind = Kind.ALLPROP;
    List<QName> wanted = List.of();
    if (body.length > 0) {
      Document doc = DavXml.parse(body);
      Element root = doc.getDocumentElement();
      if (!DavXml.is(root, "propfind")) {
        throw new DavException(400, "the PROPFIND body must be a DAV:propfind element");
      }
      List<Element> kids = DavXml.children(root);
      if (kids.isEmpty()) {
        throw new DavException(400, "DAV:propfind needs allprop, propname or prop");
      }
      Element first = kids.getFirst();
      if (DavXml.is(first, "propname")) {
        kind = Kind.PROPNAME;
      } else if (DavXml.is(first, "prop")) {
        kind = Kind.PROP;
        List<QName> names = new ArrayList<>();
        for (Element p : DavXml.children(first)) {
          names.add(DavXml.name(p));
        }
        wanted = names;
      } else if (!DavXml.is(first, "allprop")) {
        throw new DavException(400, "DAV:propfind needs allprop, propname or prop");
      }
    }
    FileApi.Stat s = fs.stat(x.ctx, x.path, false);
    x.response.setStatus(207);
    x.header("Content-Type", "application/xml; charset=utf-8");
    try (Writer w = new BufferedWriter(new OutputStreamWriter(x.out(), StandardCharsets.UTF_8), 64 << 10)) {
      w.write("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\">\n");
      response(w, x, x.path, s, kind, wanted);
      if (d == 1 && s.attr().isDir()) {
        for (String cursor = null; ; ) {
          FileApi.Page p = fs.list(x.ctx, x.path, cursor, 1000);
          for (FileApi.Child c : p.entries()) {
            if (!FileMethods.hidden(c.name())) {
              String path = DavPaths.child(x.path, c.name());
              response(w, x, path, new FileApi.Stat(path, c.ino(), c.attr()), kind, wanted);
            }
          }
          if ((cursor = p.cursor()) == null) {
            break;
          }
        }
      }
      w.write("</D:multistatus>\n");
    }
  }

  private void response(Writer w, Exchange x, String path, FileApi.Stat s, Kind kind, List<QName> wanted) throws IOException {
    // listing the xattrs costs a metadata call per member: only when a dead property can be asked for
    boolean needDead = kind != Kind.PROP || !wanted.stream().allMatch(Props::isLive);
    Map<QName, String> dead = needDead ? Props.dead(fs, x.ctx, path) : Map.of();
    StringBuilder ok = new StringBuilder();
    StringBuilder missing = new StringBuilder();
    switch (kind) {
      case PROPNAME -> {
        for (QName q : Props.LIVE) {
          if (Props.live(q, path, s, dav.locks, dav.clock) != null) {
            ok.append(DavXml.element(q, null));
          }
        }
        for (QName q : dead.keySet()) {
          ok.append(DavXml.element(q, null));
        }
      }
      case ALLPROP -> {
        for (QName q : Props.LIVE) {
          String v = Props.live(q, path, s, dav.locks, dav.clock);
          if (v != null) {
            ok.append(DavXml.element(q, v));
          }
        }
        dead.values().forEach(ok::append);
      }
      case PROP -> {
        for (QName q : wanted) {
          String v = Props.isLive(q) ? Props.live(q, path, s, dav.locks, dav.clock) : null;
          if (v != null) {
            ok.append(DavXml.element(q, v));
          } else if (dead.containsKey(q)) {
            ok.append(dead.get(q));
          } else {
            missing.append(DavXml.element(q, null));
          }
        }
      }
    }
    w.write("<D:response><D:href>" + DavXml.escape(DavPaths.encode(path, s.attr().isDir())) + "</D:href>");
    if (!ok.isEmpty() || missing.isEmpty()) {
      w.write("<D:propstat><D:prop>" + ok + "</D:prop><D:status>" + DavXml.statusLine(200) + "</D:status></D:propstat>");
    }
    if (!missing.isEmpty()) {
      w.write("<D:propstat><D:prop>" + missing + "</D:prop><D:status>" + DavXml.statusLine(404) + "</D:status></D:propstat>");
    }
    w.write("</D:response>\n");
  }

  /** One instruction of a PROPPATCH: set (with the element's XML) or remove. */
  private record Op(QName name, String xml) {}

  void proppatch(Exchange x) throws IOException, DavException {
    FileApi.Stat s = fs.stat(x.ctx, x.path, false);
    dav.conditional(x, s);
    dav.checkWrite(x, x.path, false);
    byte[] body = x.xmlBody();
    if (body.length == 0) {
      throw new DavException(400, "PROPPATCH needs a DAV:propertyupdate body");
    }
    Element root = DavXml.parse(body).getDocumentElement();
    if (!DavXml.is(root, "propertyupdate")) {
      throw new DavException(400, "the PROPPATCH body must be a DAV:propertyupdate element");
    }
    List<Op> ops = new ArrayList<>();
    for (Element e : DavXml.children(root)) {
      boolean set = DavXml.is(e, "set");
      if (!set && !DavXml.is(e, "remove")) {
        throw new DavException(400, "DAV:propertyupdate holds only DAV:set and DAV:remove");
      }
      Element prop = DavXml.child(e, "prop");
      if (prop == null) {
        throw new DavException(400, "DAV:set and DAV:remove need a DAV:prop");
      }
      for (Element p : DavXml.children(prop)) {
        ops.add(new Op(DavXml.name(p), set ? DavXml.serialize(p) : null));
      }
    }
    Map<QName, Integer> result = new LinkedHashMap<>();
    boolean protectedProp = false;
    for (Op op : ops) {
      if (Props.isLive(op.name())) {
        result.put(op.name(), 403);
        protectedProp = true;
      }
    }
    if (!protectedProp) {
      apply(x, ops, result);
    }
    for (Op op : ops) {
      result.putIfAbsent(op.name(), 424);
    }
    Map<Integer, StringBuilder> byStatus = new LinkedHashMap<>();
    result.forEach((q, st) -> byStatus.computeIfAbsent(st, k -> new StringBuilder()).append(DavXml.element(q, null)));
    StringBuilder xml = new StringBuilder("<D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>")
        .append(DavXml.escape(DavPaths.encode(x.path, s.attr().isDir()))).append("</D:href>");
    byStatus.forEach((st, props) -> xml.append("<D:propstat><D:prop>").append(props).append("</D:prop><D:status>")
        .append(DavXml.statusLine(st)).append("</D:status></D:propstat>"));
    xml.append("</D:response></D:multistatus>\n");
    x.xml(207, xml.toString());
  }

  /** Applies every instruction in order; on a failure puts back what was changed and marks the failing one. */
  private void apply(Exchange x, List<Op> ops, Map<QName, Integer> result) throws IOException {
    Map<String, byte[]> before = new LinkedHashMap<>();
    for (Op op : ops) {
      String name = Props.xattrName(op.name());
      try {
        if (!before.containsKey(name)) {
          before.put(name, valueOrNull(x, name));
        }
        if (op.xml() != null) {
          fs.setXattr(x.ctx, x.path, name, op.xml().getBytes(StandardCharsets.UTF_8), 0);
        } else {
          try {
            fs.removeXattr(x.ctx, x.path, name);
          } catch (FsException e) {
            if (e.errno() != Errno.ENODATA) {
              throw e;
            }
          }
        }
      } catch (FsException e) {
        result.put(op.name(), e.errno() == Errno.ERANGE || e.errno() == Errno.ENOSPC ? 507 : DavErrors.status(e.errno()));
        restore(x, before);
        return;
      }
    }
    for (Op op : ops) {
      result.put(op.name(), 200);
    }
  }

  private byte[] valueOrNull(Exchange x, String name) throws IOException {
    try {
      return fs.getXattr(x.ctx, x.path, name);
    } catch (FsException e) {
      if (e.errno() == Errno.ENODATA) {
        return null;
      }
      throw e;
    }
  }

  private void restore(Exchange x, Map<String, byte[]> before) {
    before.forEach((name, v) -> {
      try {
        if (v == null) {
          fs.removeXattr(x.ctx, x.path, name);
        } else {
          fs.setXattr(x.ctx, x.path, name, v, 0);
        }
      } catch (IOException e) {
        // best effort: the attribute stays as the failed instruction left it
      }
    });
  }
}
