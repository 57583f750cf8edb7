package io.nectarfs.gateway.s3.store;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Names;
import io.nectarfs.fs.FileApi;
import io.nectarfs.gateway.s3.store.BucketStore.ListRequest;
import io.nectarfs.gateway.s3.store.BucketStore.ListResult;
import io.nectarfs.gateway.s3.store.BucketStore.ObjectInfo;
import io.nectarfs.meta.FileType;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One listing: S3's key order (unsigned UTF-8 bytes of the whole key) over a directory tree whose
 * listings are in byte order of names. A directory {@code d} sorts as {@code "d/"}, so it comes
 * after siblings such as {@code "d-x"} ('-' &lt; '/') that follow {@code "d"} in name order: each
 * level keeps directories it has passed in a small sorted set and releases one as soon as the
 * listing reaches a name above its key (nothing after can sort before it).
 *
 * <p>Cost: pages of the file API (at most maxKeys + 1 entries each), only for the directories on
 * the path to the keys returned; {@code after} seeks into each directory by a name cursor
 * (plus one stat per byte below '/' in the cursor's name, for directories that sort after it).
 * A prefix seeks the same way. Delimiter "/" lists one directory; any other delimiter walks
 * the tree under the prefix.
 *
 * <p>Rules: hidden names ({@link S3Keys#hidden}) are never listed; symbolic links and special
 * files are skipped (not followed: no loops, no key twice), and so are names that are not UTF-8
 * (made on the mount; S3 keys are Unicode); a directory is also the marker
 * object {@code "d/"} unless the store made it only as a key's parent; a common prefix is
 * returned when it sorts after {@code after} (a marker inside a prefix does not bring the prefix
 * back, which is what makes a V1 NextMarker that names a prefix continue after it).
 *
 * <p>Not thread-safe: one per request.
 */
final class Lister {
  private final FsBucketStore store;
  private final FileApi fs;
  private final Ctx ctx;
  private final String bucketDir;
  private int pageSize = 1000;
  private int levels;

  Lister(FsBucketStore store, Ctx ctx, String bucketDir) {
    this.store = store;
    this.fs = store.fs;
    this.ctx = ctx;
    this.bucketDir = bucketDir;
  }

  /** An entry of one directory in key order; {@code after}: null for all of a directory, else the part of the start key inside it. */
  record Entry(String name, FileApi.Child child, boolean dir, String after) {}

  /** A listed key: an object or a marker, or a common prefix ({@code info} null). */
  record Item(String key, ObjectInfo info) {}

  /** One directory's entries in key order, read page by page. */
  final class Level {
    final String path;
    final String keyPrefix;
    final String filter;
    final boolean top;
    private String cursor;
    private boolean exhausted;
    /** Pages of a prefix-filtered level start small and double: the prefix may match a few names only. */
    private int nextPage;
    private final Deque<FileApi.Child> page = new ArrayDeque<>();
    private final TreeMap<byte[], Entry> pending = new TreeMap<>(Arrays::compareUnsigned);

    /**
     * @param filter names must start with it ("" for any)
     * @param after the start key relative to this directory (starts with {@code filter}), or null
     */
    Level(String path, String keyPrefix, String filter, String after) throws IOException {
      this.path = path;
      this.keyPrefix = keyPrefix;
      this.filter = filter;
      this.top = levels++ == 0; // the listed directory itself: its errors are the request's
      this.nextPage = filter.isEmpty() ? pageSize : Math.min(pageSize, 16);
      if (after == null) {
        cursor = filter.isEmpty() ? null : FileApi.cursorAfter(before(filter));
        return;
      }
      int slash = after.indexOf('/');
      String c = slash < 0 ? after : after.substring(0, slash);
      byte[] cb = S3Keys.bytes(c);
      // directories whose names are proper prefixes of c followed by a byte below '/' sort after it
      for (int i = Math.max(1, S3Keys.bytes(filter).length); i < cb.length; i++) {
        if ((cb[i] & 0xFF) < '/') {
          String p = Names.decode(cb, 0, i);
          Entry e = dirEntry(p, null);
          if (e != null) {
            pending.put(S3Keys.bytes(p + "/"), e);
          }
        }
      }
      if (!c.isEmpty()) {
        Entry e = dirEntry(c, slash < 0 ? null : after.substring(slash + 1));
        if (e != null) {
          pending.put(S3Keys.bytes(c + "/"), e);
        }
        cursor = FileApi.cursorAfter(cb.length > S3Keys.MAX_COMPONENT
            ? Names.decode(cb, 0, S3Keys.MAX_COMPONENT) // no name is longer: the longest below c
            : slash >= 0 && cb.length < S3Keys.MAX_COMPONENT ? c + "/" : c);
      } else {
        cursor = null;
      }
    }

    private Entry dirEntry(String name, String after) throws IOException {
      if (name.equals(".") || name.equals("..") || name.indexOf('\0') >= 0 || S3Keys.hidden(name) || S3Keys.bytes(name).length > S3Keys.MAX_COMPONENT) {
        return null;
      }
      try {
        FileApi.Stat s = fs.lstat(ctx, S3Keys.child(path, name));
        return s.attr().isDir() ? new Entry(name, new FileApi.Child(name, s.ino(), s.attr()), true, after) : null;
      } catch (FsException e) {
        if (FsBucketStore.missing(e)) {
          return null;
        }
        throw e;
      }
    }

    /** The next listed child (hidden names, links and special files skipped), not consumed; null at the end. */
    private FileApi.Child peek() throws IOException {
      while (page.isEmpty()) {
        if (exhausted) {
          return null;
        }
        FileApi.Page p;
        try {
          p = fs.list(ctx, path, cursor, nextPage);
          nextPage = Math.min(pageSize, nextPage * 2);
        } catch (FsException e) {
          if (!FsBucketStore.missing(e) && !(e.errno() == io.nectarfs.common.Errno.EACCES && !top)) {
            throw e;
          }
          p = new FileApi.Page(List.of(), null); // removed meanwhile, or a subdirectory the caller may not read
        }
        for (FileApi.Child c : p.entries()) {
          if (!c.name().startsWith(filter)) {
            if (S3Keys.compare(c.name(), filter) > 0) {
              exhausted = true; // past every name with the prefix
              break;
            }
            continue;
          }
          FileType t = c.attr().type();
          if (!S3Keys.hidden(c.name()) && (t == FileType.FILE || t == FileType.DIR) && Names.isUtf8(c.name()) && !pendingHas(c.name())) {
            page.add(c);
          }
        }
        cursor = p.cursor();
        if (cursor == null) {
          exhausted = true;
        }
      }
      return page.peekFirst();
    }

    private boolean pendingHas(String name) {
      return pending.containsKey(S3Keys.bytes(name + "/"));
    }

    /** The next entry in key order, or null at the end. */
    Entry next() throws IOException {
      while (true) {
        FileApi.Child c = peek();
        if (c == null) {
          Map.Entry<byte[], Entry> f = pending.pollFirstEntry();
          return f == null ? null : f.getValue();
        }
        byte[] name = S3Keys.bytes(c.name());
        if (!pending.isEmpty() && Arrays.compareUnsigned(pending.firstKey(), name) < 0) {
          return pending.pollFirstEntry().getValue(); // nothing still to come sorts before it
        }
        page.pollFirst();
        if (c.attr().isDir()) {
          pending.put(S3Keys.bytes(c.name() + "/"), new Entry(c.name(), c, true, null));
          continue;
        }
        return new Entry(c.name(), c, false, null);
      }
    }

    boolean isEmpty() throws IOException {
      return pending.isEmpty() && peek() == null;
    }
  }

  /** The largest name below every name starting with {@code s}, as a cursor position. */
  static String before(String s) {
    byte[] b = S3Keys.bytes(s);
    int last = b[b.length - 1] & 0xFF;
    if (last <= 1) {
      return b.length > 1 ? Names.decode(b, 0, b.length - 1) : s; // never a name's byte: close enough
    }
    byte[] out = Arrays.copyOf(b, b.length < S3Keys.MAX_COMPONENT ? b.length + 1 : b.length);
    out[b.length - 1] = (byte) (last - 1);
    if (out.length > b.length) {
      out[b.length] = (byte) 0xFF;
    }
    return Names.decode(out);
  }

  ListResult list(ListRequest r) throws IOException {
    String prefix = r.prefix() == null ? "" : r.prefix();
    String after = r.after() == null || r.after().isEmpty() ? null : r.after();
    int max = Math.max(0, Math.min(r.maxKeys(), 1000));
    List<ObjectInfo> objects = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    if (max == 0) {
      return new ListResult(objects, prefixes, false, null);
    }
    pageSize = Math.min(FileApi.MAX_PAGE, max + 1);
    Walk w = walk(prefix, after, r.delimiter());
    String last = null;
    while (true) {
      Item i = w.next();
      if (i == null) {
        return new ListResult(objects, prefixes, false, null);
      }
      if (objects.size() + prefixes.size() == max) {
        return new ListResult(objects, prefixes, true, last);
      }
      if (i.info() == null) {
        prefixes.add(i.key());
      } else {
        objects.add(i.info());
      }
      last = i.key();
    }
  }

  interface Walk {
    Item next() throws IOException;
  }

  private Walk walk(String prefix, String after, String delimiter) throws IOException {
    int cut = prefix.lastIndexOf('/') + 1;
    String dirKey = prefix.substring(0, cut);
    String filter = prefix.substring(cut);
    if ((!dirKey.isEmpty() && S3Keys.invalid(dirKey) != null) || S3Keys.bytes(filter).length > S3Keys.MAX_COMPONENT) {
      return () -> null;
    }
    String rel = null;
    boolean markerToo = !dirKey.isEmpty() && filter.isEmpty();
    if (after != null) {
      if (after.startsWith(dirKey)) {
        rel = after.substring(dirKey.length());
        if (rel.isEmpty()) {
          markerToo = false; // the marker "dirKey" is the start key itself
          rel = null;
        } else if (S3Keys.compare(rel, filter) < 0) {
          rel = null; // every key with the prefix sorts after it
        } else if (!rel.startsWith(filter)) {
          return () -> null; // every key with the prefix sorts before it
        } else {
          markerToo = false;
        }
      } else if (S3Keys.compare(after, dirKey) > 0) {
        return () -> null;
      }
    }
    String dirPath = dirKey.isEmpty() ? bucketDir : FsBucketStore.path(bucketDir, dirKey);
    if (!dirKey.isEmpty()) {
      try {
        if (!fs.stat(ctx, dirPath).attr().isDir()) {
          return () -> null;
        }
      } catch (FsException e) {
        if (FsBucketStore.missing(e)) {
          return () -> null;
        }
        throw e;
      }
    }
    Level top = new Level(dirPath, dirKey, filter, rel);
    Item marker = markerToo ? markerItem(dirKey, dirPath) : null;
    if ("/".equals(delimiter)) {
      return new Walk() {
        Item first = marker;

        @Override
        public Item next() throws IOException {
          if (first != null) {
            Item f = first;
            first = null;
            return f;
          }
          for (Entry e; (e = top.next()) != null; ) {
            if (!e.dir()) {
              Item i = object(top, e);
              if (i != null) {
                return i;
              }
            } else if (e.after() == null) {
              return new Item(top.keyPrefix + e.name() + "/", null);
            }
          }
          return null;
        }
      };
    }
    Deque<Level> stack = new ArrayDeque<>();
    stack.push(top);
    Walk flat = new Walk() {
      Item first = marker;

      @Override
      public Item next() throws IOException {
        if (first != null) {
          Item f = first;
          first = null;
          return f;
        }
        while (!stack.isEmpty()) {
          Level l = stack.peek();
          Entry e = l.next();
          if (e == null) {
            stack.pop();
            continue;
          }
          if (!e.dir()) {
            Item i = object(l, e);
            if (i != null) {
              return i;
            }
            continue;
          }
          String key = l.keyPrefix + e.name() + "/";
          Level sub = new Level(S3Keys.child(l.path, e.name()), key, "", e.after());
          stack.push(sub);
          if (e.after() == null && store.isMarkerDir(ctx, sub.path, e.child().ino())) {
            return new Item(key, marker(key, e.child())); // "dir/" sorts before every key in it
          }
        }
        return null;
      }
    };
    if (delimiter == null || delimiter.isEmpty()) {
      return flat;
    }
    return new Walk() {
      String lastPrefix;

      @Override
      public Item next() throws IOException {
        for (Item i; (i = flat.next()) != null; ) {
          int at = i.key().indexOf(delimiter, prefix.length());
          if (at < 0) {
            return i;
          }
          String cp = i.key().substring(0, at + delimiter.length());
          if (cp.equals(lastPrefix) || (after != null && S3Keys.compare(cp, after) <= 0)) {
            continue;
          }
          lastPrefix = cp;
          return new Item(cp, null);
        }
        return null;
      }
    };
  }

  private Item object(Level l, Entry e) throws IOException {
    String key = l.keyPrefix + e.name();
    ObjectInfo info = store.info(ctx, key, S3Keys.child(l.path, e.name()), e.child().ino(), e.child().attr());
    return info == null ? null : new Item(key, info);
  }

  private static ObjectInfo marker(String key, FileApi.Child c) {
    return new ObjectInfo(key, 0, java.time.Instant.ofEpochSecond(0, c.attr().mtime()), MetaCodec.EMPTY_MD5, ObjectMeta.EMPTY, c.attr().uid(), c.attr().gid(), c.attr().mode());
  }

  private Item markerItem(String key, String path) throws IOException {
    FileApi.Stat s = fs.stat(ctx, path);
    if (!store.isMarkerDir(ctx, path, s.ino())) {
      return null;
    }
    return new Item(key, marker(key, new FileApi.Child(key, s.ino(), s.attr())));
  }
}
