package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.DirEntry;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.Slice;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Model-based test: random sequences of namespace and data operations run against the engine
 * under test and against an in-memory model of a POSIX tree; every outcome (success or errno) and
 * the final tree must agree. A failure names the seed and step, so it replays exactly.
 */
public abstract class ModelSuite extends MetaTestBase {
  private static final String[] NAMES = {"a", "b", "c", "d", "e"};
  private static final int STEPS = 300;

  /** A model inode. Directories hold children; files have a size; symlinks a target. */
  private static final class Node {
    final FileType type;
    final TreeMap<String, Node> children = new TreeMap<>();
    Node parent;
    int nlink;
    long size;
    String target;
    final Map<String, String> xattrs = new TreeMap<>();

    Node(FileType type) {
      this.type = type;
      this.nlink = type == FileType.DIR ? 2 : 1;
    }

    boolean isDir() {
      return type == FileType.DIR;
    }
  }

  private Node rootNode;
  private final Map<Node, Long> inos = new IdentityHashMap<>();
  private Random rnd;
  private String step;

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void randomOperations_matchTheModel(long seed) throws IOException {
    rnd = new Random(seed);
    rootNode = new Node(FileType.DIR);
    inos.put(rootNode, Meta.ROOT);
    for (int i = 0; i < STEPS; i++) {
      step = "seed " + seed + " step " + i;
      doRandomOp();
    }
    step = "seed " + seed + " final tree";
    compare(rootNode, Meta.ROOT, "/");
  }

  private List<Node> dirs() {
    List<Node> out = new ArrayList<>();
    collect(rootNode, out);
    return out;
  }

  private void collect(Node d, List<Node> out) {
    out.add(d);
    for (Node c : d.children.values()) {
      if (c.isDir()) {
        collect(c, out);
      }
    }
  }

  private Node anyDir() {
    List<Node> ds = dirs();
    return ds.get(rnd.nextInt(ds.size()));
  }

  private String anyName() {
    return NAMES[rnd.nextInt(NAMES.length)];
  }

  /** Runs the real operation and checks its outcome against the model's expectation. */
  private void expect(Errno expected, RealOp op, Runnable applyToModel) throws IOException {
    Errno got = null;
    try {
      op.run();
    } catch (FsException e) {
      got = e.errno();
    }
    if (got != expected) {
      fail(step + ": expected " + (expected == null ? "success" : expected) + " but got " + (got == null ? "success" : got));
    }
    if (expected == null) {
      applyToModel.run();
    }
  }

  @FunctionalInterface
  private interface RealOp {
    void run() throws IOException;
  }

  private boolean isAncestorOrSelf(Node a, Node d) {
    for (Node x = d; x != null; x = x.parent) {
      if (x == a) {
        return true;
      }
    }
    return false;
  }

  private void doRandomOp() throws IOException {
    Node dir = anyDir();
    long dino = inos.get(dir);
    String name = anyName();
    Node existing = dir.children.get(name);
    switch (rnd.nextInt(11)) {
      case 0 -> expect(existing != null ? Errno.EEXIST : null, () -> inos.put(pending = new Node(FileType.DIR), meta.mkdir(root, dino, name, 0755, 0).ino()),
          () -> {
            pending.parent = dir;
            dir.children.put(name, pending);
            dir.nlink++;
          });
      case 1 -> expect(existing != null ? Errno.EEXIST : null, () -> inos.put(pending = new Node(FileType.FILE), meta.mknod(root, dino, name, FileType.FILE, 0644, 0, 0).ino()),
          () -> dir.children.put(name, pending));
      case 2 -> {
        String t = "target-" + rnd.nextInt(100);
        expect(existing != null ? Errno.EEXIST : null, () -> inos.put(pending = new Node(FileType.SYMLINK), meta.symlink(root, dino, name, t).ino()),
            () -> {
              pending.target = t;
              pending.size = t.length();
              dir.children.put(name, pending);
            });
      }
      case 3 -> expect(existing == null ? Errno.ENOENT : existing.isDir() ? Errno.EISDIR : null, () -> meta.unlink(root, dino, name),
          () -> {
            dir.children.remove(name);
            existing.nlink--;
          });
      case 4 -> expect(existing == null ? Errno.ENOENT : !existing.isDir() ? Errno.ENOTDIR : !existing.children.isEmpty() ? Errno.ENOTEMPTY : null,
          () -> meta.rmdir(root, dino, name),
          () -> {
            dir.children.remove(name);
            dir.nlink--;
          });
      case 5, 6 -> rename(dir, name);
      case 7 -> {
        List<Node> files = new ArrayList<>();
        for (Node d : dirs()) {
          d.children.values().stream().filter(c -> c.type == FileType.FILE).forEach(files::add);
        }
        if (files.isEmpty()) {
          return;
        }
        Node f = files.get(rnd.nextInt(files.size()));
        expect(existing != null ? Errno.EEXIST : null, () -> meta.link(root, inos.get(f), dino, name), () -> {
          dir.children.put(name, f);
          f.nlink++;
        });
      }
      case 8 -> {
        if (existing == null || existing.type != FileType.FILE) {
          return;
        }
        long size = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(1 << 20);
        expect(null, () -> meta.setattr(root, inos.get(existing), SetAttr.truncate(size)), () -> existing.size = size);
      }
      case 9 -> {
        if (existing == null || existing.type != FileType.FILE) {
          return;
        }
        int index = rnd.nextInt(3);
        int pos = rnd.nextInt(1 << 20);
        int len = 1 + rnd.nextInt(1 << 16);
        long end = (long) index * io.nectarfs.meta.Chunks.CHUNK_SIZE + pos + len;
        expect(null, () -> meta.write(root, inos.get(existing), index, new Slice(pos, meta.newSliceId(), len, 0, len), clock.nowNanos()),
            () -> existing.size = Math.max(existing.size, end));
      }
      default -> {
        if (existing == null) {
          return;
        }
        String key = "user." + anyName();
        if (existing.type != FileType.FILE && existing.type != FileType.DIR) {
          // Linux keeps user.* attributes off symlinks and special files (xattr_permission).
          expect(Errno.EPERM, () -> meta.setxattr(root, inos.get(existing), key, new byte[1], 0), () -> {});
        } else if (rnd.nextBoolean()) {
          String v = "v" + rnd.nextInt(10);
          expect(null, () -> meta.setxattr(root, inos.get(existing), key, v.getBytes(), 0), () -> existing.xattrs.put(key, v));
        } else {
          expect(existing.xattrs.containsKey(key) ? null : Errno.ENODATA, () -> meta.removexattr(root, inos.get(existing), key),
              () -> existing.xattrs.remove(key));
        }
      }
    }
  }

  private Node pending;

  private void rename(Node sdir, String sname) throws IOException {
    Node ddir = anyDir();
    String dname = anyName();
    int flags = switch (rnd.nextInt(4)) {
      case 0 -> Meta.RENAME_NOREPLACE;
      case 1 -> Meta.RENAME_EXCHANGE;
      default -> 0;
    };
    Node src = sdir.children.get(sname);
    Node dst = ddir.children.get(dname);
    Errno e = null;
    if (src == null) {
      e = Errno.ENOENT;
    } else if (sdir == ddir && sname.equals(dname)) {
      e = flags == Meta.RENAME_NOREPLACE ? Errno.EEXIST : null; // renameat2: the target exists
    } else if (dst != null && flags == Meta.RENAME_NOREPLACE) {
      e = Errno.EEXIST;
    } else if (dst == null && flags == Meta.RENAME_EXCHANGE) {
      e = Errno.ENOENT;
    } else if (src.isDir() && sdir != ddir && isAncestorOrSelf(src, ddir)) {
      e = Errno.EINVAL;
    } else if (flags != Meta.RENAME_EXCHANGE && dst != null && dst.isDir() && isAncestorOrSelf(dst, sdir)) {
      e = Errno.ENOTEMPTY; // the target is an ancestor of the source (a/b onto a), as Linux
    } else if (dst == src) {
      e = null;
    } else if (flags == Meta.RENAME_EXCHANGE) {
      if (dst.isDir() && sdir != ddir && isAncestorOrSelf(dst, sdir)) {
        e = Errno.EINVAL;
      }
    } else if (dst != null) {
      if (src.isDir() && !dst.isDir()) {
        e = Errno.ENOTDIR;
      } else if (src.isDir() && !dst.children.isEmpty()) {
        e = Errno.ENOTEMPTY;
      } else if (!src.isDir() && dst.isDir()) {
        e = Errno.EISDIR;
      }
    }
    int f = flags;
    long sd = inos.get(sdir);
    long dd = inos.get(ddir);
    expect(e, () -> meta.rename(root, sd, sname, dd, dname, f), () -> {
      if (src == dst || (sdir == ddir && sname.equals(dname))) {
        return;
      }
      if (f == Meta.RENAME_EXCHANGE) {
        sdir.children.put(sname, dst);
        ddir.children.put(dname, src);
        if (src.isDir()) {
          src.parent = ddir;
        }
        if (dst.isDir()) {
          dst.parent = sdir;
        }
        if (src.isDir() != dst.isDir()) {
          int delta = src.isDir() ? 1 : -1;
          sdir.nlink -= delta;
          ddir.nlink += delta;
        }
        return;
      }
      sdir.children.remove(sname);
      if (dst != null) {
        if (dst.isDir()) {
          ddir.nlink--;
        } else {
          dst.nlink--;
        }
      }
      ddir.children.put(dname, src);
      if (src.isDir()) {
        src.parent = ddir;
        sdir.nlink--;
        ddir.nlink++;
      }
    });
  }

  private void compare(Node model, long ino, String path) throws IOException {
    Attr a = meta.getattr(root, ino);
    assertThat(a.type()).as(step + " type of " + path).isEqualTo(model.type);
    assertThat(a.nlink()).as(step + " nlink of " + path).isEqualTo(model.nlink);
    if (model.type == FileType.FILE) {
      assertThat(a.length()).as(step + " size of " + path).isEqualTo(model.size);
    }
    if (model.type == FileType.SYMLINK) {
      assertThat(meta.readlink(root, ino)).as(step + " target of " + path).isEqualTo(model.target);
    }
    Map<String, String> xattrs = new HashMap<>();
    for (String k : meta.listxattr(root, ino)) {
      xattrs.put(k, new String(meta.getxattr(root, ino, k)));
    }
    assertThat(xattrs).as(step + " xattrs of " + path).isEqualTo(model.xattrs);
    if (!model.isDir()) {
      return;
    }
    List<DirEntry> entries = meta.readdir(root, ino, "", 10_000, true);
    assertThat(entries).extracting(DirEntry::name).as(step + " entries of " + path).containsExactlyElementsOf(model.children.keySet());
    for (DirEntry e : entries) {
      Node child = model.children.get(e.name());
      assertThat(e.ino()).as(step + " inode of " + path + e.name()).isEqualTo(inos.get(child));
      compare(child, e.ino(), path + e.name() + "/");
    }
  }
}
