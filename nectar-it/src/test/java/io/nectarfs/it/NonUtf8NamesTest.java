package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Names are bytes: Latin-1 and Shift-JIS names (not UTF-8) created, listed, renamed and removed
 * through a real mount with python3's bytes paths, extracted by {@code tar}, and carried through
 * {@code nectar dump} / {@code nectar load}, all byte-exact.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NonUtf8NamesTest {
  /** Python helpers: a byte-exact picture of a tree (names, types, contents, link targets, xattrs). */
  private static final String TREE = """
      import os, sys
      LATIN1 = b'caf\\xe9'                      # "café" in Latin-1
      SJIS = b'\\x83e\\x83X\\x83g'                # "テスト" in Shift-JIS
      def tree(root):
          out = {}
          for dirpath, dirs, files in os.walk(root):
              dirs.sort()
              for n in sorted(dirs) + sorted(files):
                  p = os.path.join(dirpath, n)
                  rel = os.path.relpath(p, root)
                  if os.path.islink(p):
                      out[rel] = ('l', os.readlink(p))
                  elif os.path.isdir(p):
                      out[rel] = ('d',)
                  else:
                      with open(p, 'rb') as f:
                          data = f.read()
                      xs = {x: os.getxattr(p, x) for x in os.listxattr(p)}
                      out[rel] = ('f', data, tuple(sorted(xs.items())))
          return out
      def populate(root):
          os.makedirs(os.path.join(root, b'dir-' + LATIN1), exist_ok=True)
          for i, name in enumerate([LATIN1, SJIS, b'mixed-\\xff\\xfe-\\xc3\\xa9', b'\\xed\\xa0\\x80-cesu', b'x' * 200 + b'\\xe9' * 55]):
              with open(os.path.join(root, name), 'wb') as f:
                  f.write(b'content of ' + name + b' ' + bytes([i]) * 1000)
          with open(os.path.join(root, b'dir-' + LATIN1, SJIS), 'wb') as f:
              f.write(b'nested ' + SJIS)
          os.symlink(b'dir-' + LATIN1 + b'/' + SJIS, os.path.join(root, b'link-' + SJIS))
          os.setxattr(os.path.join(root, LATIN1), b'user.' + SJIS, b'\\x00\\xff value')
      """;

  private Path tmp;
  private MountedVolume vol;
  private Path mnt;

  @BeforeAll
  void mount() throws Exception {
    tmp = Files.createTempDirectory("nectar-it-names-");
    vol = MountedVolume.mount(tmp.resolve("vol"));
    mnt = vol.mnt;
    Files.writeString(tmp.resolve("tree.py"), TREE);
  }

  @AfterAll
  void unmount() throws Exception {
    if (vol != null) {
      vol.close();
    }
    sh(Path.of("/"), "rm -rf " + tmp);
  }

  private String python(Path dir, String body) throws Exception {
    Path script = Files.createTempFile(tmp, "t", ".py");
    Files.writeString(script, "import os, sys\nsys.path.insert(0, '" + tmp + "')\nfrom tree import *\n" + body);
    return sh(dir, "python3 " + script);
  }

  @Test
  void createListRenameUnlink_keepExactBytes() throws Exception {
    String out = python(mnt, """
        os.mkdir(b'api')
        os.chdir(b'api')
        names = [LATIN1, SJIS, b'\\x80', b'\\xc0\\x80', b'\\xe2\\x82', b'\\xed\\xa0\\x80', b'\\xef\\xbf\\xbd', 'é'.encode()]
        for n in names:
            fd = os.open(n, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644)
            os.write(fd, b'data:' + n)
            os.close(fd)
        assert sorted(os.listdir(b'.')) == sorted(names), os.listdir(b'.')
        for n in names:
            with open(n, 'rb') as f:
                assert f.read() == b'data:' + n, n
        # stable order: two listings of the same directory agree
        assert os.listdir(b'.') == os.listdir(b'.')
        os.rename(LATIN1, b'renamed-\\xe9\\xff')
        os.rename(SJIS, b'\\x83\\x65')
        assert not os.path.exists(LATIN1) and not os.path.exists(SJIS)
        with open(b'renamed-\\xe9\\xff', 'rb') as f:
            assert f.read() == b'data:' + LATIN1
        os.unlink(b'\\x83\\x65')
        os.unlink(b'\\x80')
        left = sorted(os.listdir(b'.'))
        assert left == sorted([b'renamed-\\xe9\\xff'] + names[3:]), left
        os.symlink(b'../' + SJIS + b'/\\xe9', b'link')
        assert os.readlink(b'link') == b'../' + SJIS + b'/\\xe9'
        os.setxattr(b'renamed-\\xe9\\xff', b'user.\\xe9', b'v')
        assert os.listxattr(b'renamed-\\xe9\\xff') == [b'user.\\xe9'.decode(sys.getfilesystemencoding(), 'surrogateescape')]
        assert os.getxattr(b'renamed-\\xe9\\xff', b'user.\\xe9') == b'v'
        # the 255-byte limit counts bytes
        open(b'\\xe9' * 255, 'wb').close()
        try:
            open(b'\\xe9' * 256, 'wb').close()
            raise AssertionError('a 256-byte name was accepted')
        except OSError as e:
            assert e.errno == 36, e
        print('ok', len(os.listdir(b'.')))
        """);
    assertThat(out.trim()).isEqualTo("ok 8");
  }

  @Test
  void tarExtract_matchesALocalExtraction() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("tar-src"));
    Path local = Files.createDirectories(tmp.resolve("tar-local"));
    python(src, "populate(b'.')\n");
    sh(tmp, "tar -C " + src + " -cf names.tar . && tar -C " + local + " -xf names.tar && mkdir -p " + mnt + "/tarx && tar -C " + mnt
        + "/tarx -xf names.tar");
    String out = python(tmp, "a = tree(b'" + local + "'); b = tree(b'" + mnt + "/tarx')\n"
        + "assert a == b, (sorted(a) , sorted(b))\nassert len(a) == 8, sorted(a)\nprint('same', len(a))\n");
    assertThat(out.trim()).isEqualTo("same 8");
  }

  @Test
  void dumpAndLoad_roundTripTheNames() throws Exception {
    python(mnt, "os.mkdir(b'dump')\npopulate(b'dump')\n");
    Path dump = tmp.resolve("dump.json");
    String n = "NECTAR_NO_BUILD=1 " + Path.of(System.getProperty("user.dir")).getParent().resolve("nectar");
    Path base2 = Files.createDirectories(tmp.resolve("vol2"));
    sh(tmp, n + " dump sqlite3://" + vol.base.resolve("meta.db") + " " + dump);
    assertThat(Files.readString(dump)).contains("\"nameB64\"", "\"symlinkB64\"", "\"xattrsB64\"");
    sh(tmp, n + " load sqlite3://" + base2.resolve("meta.db") + " " + dump);
    Files.createSymbolicLink(base2.resolve("data"), vol.base.resolve("data"));
    try (MountedVolume copy = MountedVolume.remount(base2)) {
      String out = python(tmp, "a = tree(b'" + mnt + "/dump'); b = tree(b'" + copy.mnt + "/dump')\n"
          + "assert a == b, (sorted(a), sorted(b))\nassert len(a) == 8, sorted(a)\nprint('same', len(a))\n");
      assertThat(out.trim()).isEqualTo("same 8");
      assertThat(copy.meta.check()).isEmpty();
    }
  }
}
