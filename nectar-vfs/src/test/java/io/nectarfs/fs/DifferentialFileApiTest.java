package io.nectarfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.FsException;
import io.nectarfs.meta.Attr;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same seeded random sequence of path operations on a volume and on a local directory
 * (java.nio.file): after every step the outcome (result or errno) must be the same, and at the end
 * both trees must list the same names with the same contents.
 */
class DifferentialFileApiTest {
  private static final Ctx ROOT = Ctx.ROOT;
  private static final List<String> PATHS = List.of("/a", "/b", "/d", "/d/a", "/d/b", "/d/e", "/d/e/a", "/e");
  /** Link targets; none with "..", which could leave the local root after a rename (a volume's root is its own parent). */
  private static final List<String> TARGETS = List.of("a", "b", "d", "d/a", "e/a", "nowhere", "d/e");

  @TempDir
  Path dir;

  @FunctionalInterface
  interface Op {
    Object run(FileApi fs) throws IOException;
  }

  /** The outcome of an operation, comparable across implementations (inode numbers and times left out). */
  static String outcome(FileApi fs, Op op) {
    try {
      Object r = op.run(fs);
      return r instanceof FileApi.Stat s ? describe(s.attr()) : String.valueOf(r);
    } catch (FsException e) {
      return "errno " + e.errno();
    } catch (IOException e) {
      return "failure " + e;
    }
  }

  static String describe(Attr a) {
    return a.type() + " " + Integer.toOctalString(a.mode()) + " len " + a.length() + " nlink " + a.nlink();
  }

  private static String pick(Random r, List<String> l) {
    return l.get(r.nextInt(l.size()));
  }

  private static boolean isLink(FileApi fs, String p) {
    try {
      return fs.lstat(ROOT, p).attr().type() == io.nectarfs.meta.FileType.SYMLINK;
    } catch (IOException e) {
      return false;
    }
  }

  /** One random step: its description and the operation. */
  private static Object[] step(Random r) {
    String p = pick(r, PATHS);
    String q = pick(r, PATHS);
    int k = r.nextInt(23);
    return switch (k) {
      case 0, 1 -> new Object[] {"write " + p, (Op) fs -> {
        if (isLink(fs, p)) {
          return "skipped: writing through a link (a dangling link is created by Linux, ENOENT here)";
        }
        fs.writeAll(ROOT, p, (p + k).getBytes(StandardCharsets.UTF_8));
        return "ok";
      }};
      case 2 -> new Object[] {"mkdir " + p, (Op) fs -> fs.mkdir(ROOT, p, 0755)};
      case 3 -> new Object[] {"unlink " + p, (Op) fs -> {
        fs.unlink(ROOT, p);
        return "ok";
      }};
      case 4 -> new Object[] {"rmdir " + p, (Op) fs -> {
        fs.rmdir(ROOT, p);
        return "ok";
      }};
      case 5, 6 -> {
        int flags = r.nextInt(3);
        yield new Object[] {"rename " + p + " " + q + " " + flags, (Op) fs -> {
          if (flags == FileApi.RENAME_EXCHANGE && (p.startsWith(q + "/") || q.startsWith(p + "/"))) {
            return "skipped: exchange with an ancestor";
          }
          fs.rename(ROOT, p, q, flags);
          return "ok";
        }};
      }
      case 7 -> {
        String t = pick(r, TARGETS);
        yield new Object[] {"symlink " + t + " " + p, (Op) fs -> fs.symlink(ROOT, t, p)};
      }
      case 8 -> new Object[] {"link " + p + " " + q, (Op) fs -> fs.link(ROOT, p, q)};
      case 9 -> new Object[] {"stat " + p, (Op) fs -> fs.stat(ROOT, p)};
      case 10 -> new Object[] {"lstat " + p, (Op) fs -> fs.lstat(ROOT, p)};
      case 11 -> new Object[] {"read " + p, (Op) fs -> new String(fs.readAll(ROOT, p), StandardCharsets.UTF_8)};
      case 12 -> new Object[] {"list " + p, (Op) fs -> fs.list(ROOT, p).stream().map(c -> c.name() + ":" + c.attr().type()).toList()};
      case 13 -> {
        long size = r.nextInt(10);
        yield new Object[] {"truncate " + p + " " + size, (Op) fs -> fs.truncate(ROOT, p, size)};
      }
      case 14 -> new Object[] {"copy " + p + " " + q, (Op) fs -> {
        if (p.equals(q)) {
          return "skipped: one file";
        }
        return fs.copyRange(ROOT, p, 1, q, 2, 3);
      }};
      case 15 -> {
        int flags = r.nextInt(3);
        yield new Object[] {"setxattr " + p + " " + flags, (Op) fs -> {
          fs.setXattr(ROOT, p, "user.k", new byte[] {(byte) flags}, flags);
          return fs.listXattrs(ROOT, p);
        }};
      }
      case 16 -> new Object[] {"readlink " + p, (Op) fs -> fs.readlink(ROOT, p)};
      case 17 -> {
        int mode = 0700 | r.nextInt(0100);
        yield new Object[] {"chmod " + p + " " + Integer.toOctalString(mode), (Op) fs -> fs.chmod(ROOT, p, mode)};
      }
      case 18 -> new Object[] {"mkdirs " + p + "/x/y", (Op) fs -> fs.mkdirs(ROOT, p + "/x/y", 0755)};
      case 19 -> new Object[] {"delete -r " + p, (Op) fs -> {
        fs.delete(ROOT, p, true);
        return "ok";
      }};
      case 20 -> new Object[] {"summary " + p, (Op) fs -> fs.summary(ROOT, p)};
      case 21 -> new Object[] {"removexattr " + p, (Op) fs -> {
        fs.removeXattr(ROOT, p, "user.k");
        return fs.listXattrs(ROOT, p);
      }};
      default -> {
        long off = r.nextInt(6);
        yield new Object[] {"pwrite+pread " + p + " " + off, (Op) fs -> {
          try (FileHandle h = fs.open(ROOT, p, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            h.pwrite(ByteBuffer.wrap(new byte[] {'w', 'x'}), off);
            ByteBuffer b = ByteBuffer.allocate(8);
            int n = h.pread(b, 0);
            return n + " " + h.size() + " " + new String(b.array(), 0, Math.max(n, 0), StandardCharsets.ISO_8859_1);
          }
        }};
      }
    };
  }

  @Test
  void randomOperations_sameOutcomesOnBoth() throws IOException {
    for (long seed = 1; seed <= 8; seed++) {
      Path local = dir.resolve("seed" + seed);
      java.nio.file.Files.createDirectory(local);
      run(seed, local);
    }
  }

  private void run(long seed, Path dir) throws IOException {
    try (TestVolume vol = TestVolume.open()) {
      FileApi volume = vol.fs;
      FileApi local = new NioFileApi(dir);
      Random r = new Random(seed);
      List<String> divergent = new ArrayList<>();
      int meaningful = 0;
      for (int i = 0; i < 600; i++) {
        Object[] s = step(r);
        Op op = (Op) s[1];
        String v = outcome(volume, op);
        String l = outcome(local, op);
        if (!v.equals(l)) {
          divergent.add("seed " + seed + " step " + i + ": " + s[0] + " -> volume " + v + ", local " + l);
        }
        if (!v.startsWith("skipped")) {
          meaningful++;
        }
      }
      assertThat(divergent).isEmpty();
      assertThat(meaningful).isGreaterThan(450);
      Function<FileApi, List<String>> tree = fs -> {
        try (var w = fs.walk(ROOT, "/", 10)) {
          return w.skip(1).map(st -> st.path() + " " + describe(st.attr()) + " " + outcome(fs, f -> st.attr().type() == io.nectarfs.meta.FileType.FILE
              ? new String(f.readAll(ROOT, st.path()), StandardCharsets.UTF_8) : "")).toList();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      };
      assertThat(tree.apply(volume)).isEqualTo(tree.apply(local));
    }
  }
}
