package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Errno;
import io.nectarfs.common.Names;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.DirEntry;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.SetAttr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Lookup, create, remove, rename, links, readdir, setattr and names, on any engine. */
public abstract class NamespaceSuite extends MetaTestBase {

  @Test
  void root_isADirectory() throws IOException {
    Attr a = meta.getattr(root, ROOT);
    assertThat(a.type()).isEqualTo(FileType.DIR);
    assertThat(a.nlink()).isEqualTo(2);
    assertThat(meta.lookup(root, ROOT, "..").ino()).isEqualTo(ROOT);
    assertThat(meta.lookup(root, ROOT, ".").ino()).isEqualTo(ROOT);
  }

  @Test
  void mkdir_setsAttributesAndParent() throws IOException {
    long before = clock.nowNanos();
    Entry d = meta.mkdir(alice, ROOT, "d", 0777, 022);
    assertThat(d.attr().mode()).isEqualTo(0755);
    assertThat(d.attr().uid()).isEqualTo(1000);
    assertThat(d.attr().gid()).isEqualTo(1000);
    assertThat(d.attr().nlink()).isEqualTo(2);
    assertThat(d.attr().length()).isEqualTo(4096);
    assertThat(d.attr().mtime()).isGreaterThanOrEqualTo(before);
    Attr r = meta.getattr(root, ROOT);
    assertThat(r.nlink()).isEqualTo(3);
    assertThat(meta.lookup(alice, ROOT, "d").ino()).isEqualTo(d.ino());
    assertThat(meta.lookup(alice, d.ino(), "..").ino()).isEqualTo(ROOT);
    assertErrno(Errno.EEXIST, () -> meta.mkdir(root, ROOT, "d", 0755, 0));
  }

  @Test
  void mknod_allTypes() throws IOException {
    for (FileType t : List.of(FileType.FILE, FileType.FIFO, FileType.SOCKET, FileType.CHAR, FileType.BLOCK)) {
      Entry e = meta.mknod(root, ROOT, t.name(), t, 0640, 0, t == FileType.CHAR || t == FileType.BLOCK ? 0x0801 : 0);
      assertThat(meta.getattr(root, e.ino()).type()).isEqualTo(t);
      assertThat(meta.getattr(root, e.ino()).stMode() & 0170000).isEqualTo(t.ifmt());
    }
    assertThat(meta.lookup(root, ROOT, "CHAR").attr().rdev()).isEqualTo(0x0801);
    assertErrno(Errno.EPERM, () -> meta.mknod(alice, ROOT, "dev", FileType.CHAR, 0644, 0, 1));
    assertErrno(Errno.EINVAL, () -> meta.mknod(root, ROOT, "x", FileType.DIR, 0644, 0, 0));
  }

  @Test
  void names_areValidated() {
    assertErrno(Errno.EINVAL, () -> meta.mkdir(root, ROOT, "a/b", 0755, 0));
    assertErrno(Errno.EINVAL, () -> meta.mkdir(root, ROOT, "a\0b", 0755, 0));
    assertErrno(Errno.EINVAL, () -> meta.mkdir(root, ROOT, "", 0755, 0));
    assertErrno(Errno.ENAMETOOLONG, () -> meta.mkdir(root, ROOT, "x".repeat(256), 0755, 0));
    assertErrno(Errno.ENAMETOOLONG, () -> meta.lookup(root, ROOT, "é".repeat(128)));
    assertErrno(Errno.EEXIST, () -> meta.mkdir(root, ROOT, ".", 0755, 0));
    assertErrno(Errno.EEXIST, () -> meta.mknod(root, ROOT, "..", FileType.FILE, 0644, 0, 0));
  }

  @Test
  void names_upTo255Bytes_andUnicode() throws IOException {
    String longest = "x".repeat(255);
    mkdir(ROOT, longest);
    String uni = "日本語-ünïcødé-😀";
    file(ROOT, uni);
    assertThat(meta.readdir(root, ROOT, "", 100, false)).extracting(DirEntry::name).containsExactlyInAnyOrder(longest, uni);
  }

  @Test
  void names_areBytes_notNecessarilyUtf8() throws IOException {
    // Latin-1 "café", Shift-JIS "テスト", a CESU-8 surrogate, a lone continuation byte
    byte[][] raw = {{'c', 'a', 'f', (byte) 0xe9}, {(byte) 0x83, 0x65, (byte) 0x83, 0x58, (byte) 0x83, 0x67},
        {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0x80}, "café".getBytes(StandardCharsets.UTF_8)};
    List<String> names = new ArrayList<>();
    for (byte[] b : raw) {
      names.add(Names.decode(b));
      file(ROOT, Names.decode(b));
    }
    List<DirEntry> listed = meta.readdir(root, ROOT, "", 100, false);
    // listed in byte order of the names, each giving back its exact bytes
    List<byte[]> sorted = new ArrayList<>(List.of(raw));
    sorted.sort(Arrays::compareUnsigned);
    assertThat(listed).extracting(e -> Names.encode(e.name())).containsExactlyElementsOf(sorted);
    // paging resumes after a non-UTF-8 name
    List<DirEntry> page = meta.readdir(root, ROOT, listed.get(1).name(), 100, false);
    assertThat(page).extracting(DirEntry::name).containsExactlyElementsOf(listed.stream().skip(2).map(DirEntry::name).toList());
    long f = meta.lookup(root, ROOT, names.get(0)).ino();
    meta.rename(root, ROOT, names.get(0), ROOT, names.get(1) + "-x", 0);
    assertThat(meta.lookup(root, ROOT, names.get(1) + "-x").ino()).isEqualTo(f);
    assertErrno(Errno.ENOENT, () -> meta.lookup(root, ROOT, names.get(0)));
    meta.unlink(root, ROOT, names.get(1) + "-x");
    Entry l = meta.symlink(root, ROOT, names.get(3) + "-l", names.get(2) + "/" + names.get(1));
    assertThat(Names.encode(meta.readlink(root, l.ino()))).isEqualTo(Names.encode(names.get(2) + "/" + names.get(1)));
    long g = file(ROOT, "x");
    meta.setxattr(root, g, "user." + names.get(0), raw[1], 0);
    assertThat(meta.listxattr(root, g)).extracting(Names::encode).containsExactly(Names.encode("user." + names.get(0)));
    assertThat(meta.getxattr(root, g, "user." + names.get(0))).isEqualTo(raw[1]);
    // the limit counts bytes: 255 escaped bytes fit, 256 do not
    mkdir(ROOT, "\uDCE9".repeat(255));
    assertErrno(Errno.ENAMETOOLONG, () -> meta.mkdir(root, ROOT, "\uDCE9".repeat(256), 0755, 0));
    // a lone surrogate that no byte string decodes to is refused, never substituted
    assertErrno(Errno.EILSEQ, () -> meta.mkdir(root, ROOT, "a\uD800", 0755, 0));
    assertErrno(Errno.EILSEQ, () -> meta.lookup(root, ROOT, "\uDC00"));
  }

  @Test
  void lookup_errors() throws IOException {
    long f = file(ROOT, "f");
    assertErrno(Errno.ENOENT, () -> meta.lookup(root, ROOT, "missing"));
    assertErrno(Errno.ENOTDIR, () -> meta.lookup(root, f, "x"));
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, 999_999));
    long d = meta.mkdir(root, ROOT, "private", 0700, 0).ino();
    assertErrno(Errno.EACCES, () -> meta.lookup(alice, d, "x"));
  }

  @Test
  void create_inheritsSetgidDirectory() throws IOException {
    long d = meta.mkdir(root, ROOT, "shared", 02777, 0).ino();
    meta.setattr(root, d, SetAttr.chown(0, 50));
    meta.setattr(root, d, SetAttr.chmod(02777));
    Entry f = meta.mknod(bob, d, "f", FileType.FILE, 02755, 0, 0);
    assertThat(f.attr().gid()).as("gid from the setgid directory").isEqualTo(50);
    assertThat(f.attr().mode() & 02000).as("bob is not in group 50: setgid dropped").isZero();
    Entry sub = meta.mkdir(bob, d, "sub", 0755, 0);
    assertThat(sub.attr().gid()).isEqualTo(50);
    assertThat(sub.attr().mode() & 02000).as("subdirectories inherit setgid").isEqualTo(02000);
  }

  @Test
  void create_needsWriteAndSearchPermission() throws IOException {
    long d = meta.mkdir(root, ROOT, "ro", 0755, 0).ino();
    assertErrno(Errno.EACCES, () -> meta.mknod(alice, d, "f", FileType.FILE, 0644, 0, 0));
    assertErrno(Errno.EACCES, () -> meta.mkdir(alice, d, "g", 0755, 0));
    meta.setattr(root, d, SetAttr.chown(1000, 1000));
    meta.mknod(alice, d, "f", FileType.FILE, 0644, 0, 0);
  }

  @Test
  void symlink_andReadlink() throws IOException {
    Entry s = meta.symlink(alice, ROOT, "link", "../some/target");
    assertThat(s.attr().type()).isEqualTo(FileType.SYMLINK);
    assertThat(s.attr().length()).isEqualTo("../some/target".length());
    assertThat(s.attr().mode()).isEqualTo(0777);
    assertThat(meta.readlink(alice, s.ino())).isEqualTo("../some/target");
    long f = file(ROOT, "f");
    assertErrno(Errno.EINVAL, () -> meta.readlink(root, f));
    assertErrno(Errno.ENAMETOOLONG, () -> meta.symlink(root, ROOT, "l2", "x".repeat(4096)));
    meta.symlink(root, ROOT, "l3", "y".repeat(4095));
    assertErrno(Errno.ENOENT, () -> meta.symlink(root, ROOT, "l4", ""));
  }

  @Test
  void unlink_andRmdir() throws IOException {
    long d = mkdir(ROOT, "d");
    long f = file(d, "f");
    assertErrno(Errno.ENOTEMPTY, () -> meta.rmdir(root, ROOT, "d"));
    assertErrno(Errno.EISDIR, () -> meta.unlink(root, ROOT, "d"));
    assertErrno(Errno.ENOTDIR, () -> meta.rmdir(root, d, "f"));
    assertErrno(Errno.EINVAL, () -> meta.rmdir(root, d, "."));
    assertErrno(Errno.ENOTEMPTY, () -> meta.rmdir(root, d, ".."));
    meta.unlink(root, d, "f");
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, f));
    assertErrno(Errno.ENOENT, () -> meta.unlink(root, d, "f"));
    meta.rmdir(root, ROOT, "d");
    assertThat(meta.getattr(root, ROOT).nlink()).isEqualTo(2);
    assertErrno(Errno.ENOENT, () -> meta.rmdir(root, ROOT, "d"));
  }

  @Test
  void stickyDirectory_protectsOthersEntries() throws IOException {
    long tmpDir = meta.mkdir(root, ROOT, "tmp", 01777, 0).ino();
    meta.mknod(alice, tmpDir, "alices", FileType.FILE, 0644, 0, 0);
    assertErrno(Errno.EPERM, () -> meta.unlink(bob, tmpDir, "alices"));
    assertErrno(Errno.EPERM, () -> meta.rename(bob, tmpDir, "alices", tmpDir, "mine", 0));
    meta.unlink(alice, tmpDir, "alices");
    meta.mknod(alice, tmpDir, "again", FileType.FILE, 0644, 0, 0);
    meta.unlink(root, tmpDir, "again");
  }

  @Test
  void rename_simpleAndOverExisting() throws IOException {
    long a = file(ROOT, "a");
    long b = file(ROOT, "b");
    meta.rename(root, ROOT, "a", ROOT, "b", 0);
    assertThat(meta.lookup(root, ROOT, "b").ino()).isEqualTo(a);
    assertErrno(Errno.ENOENT, () -> meta.lookup(root, ROOT, "a"));
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, b));
    long d1 = mkdir(ROOT, "d1");
    long d2 = mkdir(ROOT, "d2");
    file(d2, "x");
    assertErrno(Errno.ENOTEMPTY, () -> meta.rename(root, ROOT, "d1", ROOT, "d2", 0));
    assertErrno(Errno.EISDIR, () -> meta.rename(root, ROOT, "b", ROOT, "d1", 0));
    assertErrno(Errno.ENOTDIR, () -> meta.rename(root, ROOT, "d1", ROOT, "b", 0));
    long d3 = mkdir(ROOT, "d3");
    meta.rename(root, ROOT, "d1", ROOT, "d3", 0);
    assertThat(meta.lookup(root, ROOT, "d3").ino()).isEqualTo(d1);
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, d3));
    assertThat(meta.getattr(root, ROOT).nlink()).isEqualTo(4); // d2, d3(=d1)
    assertErrno(Errno.ENOENT, () -> meta.rename(root, ROOT, "nope", ROOT, "x", 0));
  }

  @Test
  void rename_directoryAcrossParents_fixesLinkCounts() throws IOException {
    long p1 = mkdir(ROOT, "p1");
    long p2 = mkdir(ROOT, "p2");
    long c = mkdir(p1, "c");
    meta.rename(root, p1, "c", p2, "c2", 0);
    assertThat(meta.getattr(root, p1).nlink()).isEqualTo(2);
    assertThat(meta.getattr(root, p2).nlink()).isEqualTo(3);
    assertThat(meta.lookup(root, c, "..").ino()).isEqualTo(p2);
  }

  @Test
  void rename_intoOwnSubtree_isEinval() throws IOException {
    long a = mkdir(ROOT, "a");
    long b = mkdir(a, "b");
    long c = mkdir(b, "c");
    assertErrno(Errno.EINVAL, () -> meta.rename(root, ROOT, "a", c, "a", 0));
    assertErrno(Errno.EINVAL, () -> meta.rename(root, ROOT, "a", a, "self", 0));
    assertThat(meta.lookup(root, ROOT, "a").ino()).isEqualTo(a);
  }

  @Test
  void rename_noreplaceAndExchange() throws IOException {
    long a = file(ROOT, "a");
    long d = mkdir(ROOT, "d");
    long sub = mkdir(d, "sub");
    assertErrno(Errno.EEXIST, () -> meta.rename(root, ROOT, "a", ROOT, "d", Meta.RENAME_NOREPLACE));
    meta.rename(root, ROOT, "a", ROOT, "a2", Meta.RENAME_NOREPLACE);
    assertErrno(Errno.ENOENT, () -> meta.rename(root, ROOT, "a2", ROOT, "missing", Meta.RENAME_EXCHANGE));
    // Exchange a file in / with a directory in /d: link counts move with the directory.
    meta.rename(root, ROOT, "a2", d, "sub", Meta.RENAME_EXCHANGE);
    assertThat(meta.lookup(root, ROOT, "a2").ino()).isEqualTo(sub);
    assertThat(meta.lookup(root, d, "sub").ino()).isEqualTo(a);
    assertThat(meta.getattr(root, d).nlink()).isEqualTo(2);
    assertThat(meta.getattr(root, ROOT).nlink()).isEqualTo(4);
    assertThat(meta.lookup(root, sub, "..").ino()).isEqualTo(ROOT);
    assertErrno(Errno.EINVAL, () -> meta.rename(root, ROOT, "a", ROOT, "b", Meta.RENAME_EXCHANGE | Meta.RENAME_NOREPLACE));
  }

  @Test
  void rename_ontoOtherLinkOfSameInode_doesNothing() throws IOException {
    long f = file(ROOT, "f");
    meta.link(root, f, ROOT, "g");
    meta.rename(root, ROOT, "f", ROOT, "g", 0);
    assertThat(meta.lookup(root, ROOT, "f").ino()).isEqualTo(f);
    assertThat(meta.lookup(root, ROOT, "g").ino()).isEqualTo(f);
    assertThat(meta.getattr(root, f).nlink()).isEqualTo(2);
  }

  @Test
  void hardLinks_countAndParents() throws IOException {
    long d1 = mkdir(ROOT, "d1");
    long d2 = mkdir(ROOT, "d2");
    long f = file(d1, "f");
    Entry l = meta.link(root, f, d2, "f2");
    assertThat(l.attr().nlink()).isEqualTo(2);
    meta.link(root, f, d2, "f3");
    assertThat(meta.getattr(root, f).nlink()).isEqualTo(3);
    meta.unlink(root, d1, "f");
    assertThat(meta.getattr(root, f).nlink()).isEqualTo(2);
    meta.rename(root, d2, "f3", d1, "back", 0);
    meta.unlink(root, d2, "f2");
    assertThat(meta.getattr(root, f).nlink()).isEqualTo(1);
    assertThat(meta.getattr(root, f).parent()).isEqualTo(d1);
    assertErrno(Errno.EPERM, () -> meta.link(root, d1, ROOT, "dirlink"));
    assertErrno(Errno.EEXIST, () -> meta.link(root, f, d1, "back"));
  }

  @Test
  void readdir_pagesInNameOrder_withAttributes() throws IOException {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < 57; i++) {
      names.add("e" + i);
      file(ROOT, "e" + i);
    }
    List<String> seen = new ArrayList<>();
    String after = "";
    while (true) {
      List<DirEntry> page = meta.readdir(root, ROOT, after, 10, true);
      if (page.isEmpty()) {
        break;
      }
      for (DirEntry e : page) {
        assertThat(e.attr()).isNotNull();
        assertThat(e.attr().type()).isEqualTo(FileType.FILE);
        seen.add(e.name());
      }
      after = page.getLast().name();
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(names);
    assertThat(seen).isSorted();
    assertThat(meta.readdir(root, ROOT, "", 1000, false)).allSatisfy(e -> assertThat(e.attr()).isNull());
    long f = file(ROOT, "plainfile");
    assertErrno(Errno.ENOTDIR, () -> meta.readdir(root, f, "", 10, false));
  }

  @Test
  void readdir_cookiesStayValidWhileTheDirectoryChanges() throws IOException {
    for (int i = 0; i < 20; i++) {
      file(ROOT, String.format("f%02d", i));
    }
    List<DirEntry> first = meta.readdir(root, ROOT, "", 5, false);
    // Remove entries already returned and one ahead; add new ones before and after the cookie.
    meta.unlink(root, ROOT, "f00");
    meta.unlink(root, ROOT, "f03");
    meta.unlink(root, ROOT, "f10");
    file(ROOT, "a-new");
    file(ROOT, "z-new");
    List<String> rest = new ArrayList<>();
    String after = first.getLast().name();
    while (true) {
      List<DirEntry> page = meta.readdir(root, ROOT, after, 5, false);
      if (page.isEmpty()) {
        break;
      }
      page.forEach(e -> rest.add(e.name()));
      after = page.getLast().name();
    }
    assertThat(rest).doesNotContain("f04", "f10", "a-new").contains("f05", "f19", "z-new").doesNotHaveDuplicates();
    assertThat(rest).hasSize(15); // f05..f19 without f10, plus z-new
  }

  @Test
  void readdir_hidesTrash_butLookupFindsIt() throws IOException {
    assertThat(meta.readdir(root, ROOT, "", 100, false)).isEmpty();
    assertThat(meta.lookup(root, ROOT, ".trash").ino()).isEqualTo(Meta.TRASH);
    assertErrno(Errno.EEXIST, () -> meta.mkdir(root, ROOT, ".trash", 0755, 0));
  }

  @Test
  void setattr_chmodRules() throws IOException {
    long f = meta.mknod(alice, ROOT, "f", FileType.FILE, 0644, 0, 0).ino();
    assertErrno(Errno.EPERM, () -> meta.setattr(bob, f, SetAttr.chmod(0777)));
    assertThat(meta.setattr(alice, f, SetAttr.chmod(0600)).mode()).isEqualTo(0600);
    // Setting setgid for a group alice is not in silently drops it.
    meta.setattr(root, f, SetAttr.chown(1000, 77));
    assertThat(meta.setattr(alice, f, SetAttr.chmod(02755)).mode()).isEqualTo(0755);
    assertThat(meta.setattr(root, f, SetAttr.chmod(02755)).mode()).isEqualTo(02755);
  }

  @Test
  void setattr_writerWhoIsNotTheOwner_mayOnlyDropSetuidSetgid() throws IOException {
    long f = meta.mknod(alice, ROOT, "f", FileType.FILE, 06777, 0, 0).ino();
    meta.setattr(root, f, SetAttr.chmod(06777));
    assertThat(meta.setattr(bob, f, SetAttr.chmod(0777)).mode()).isEqualTo(0777);
    assertErrno(Errno.EPERM, () -> meta.setattr(bob, f, SetAttr.chmod(0700)));
    meta.setattr(root, f, SetAttr.chmod(06770));
    assertErrno(Errno.EPERM, () -> meta.setattr(bob, f, SetAttr.chmod(0770)));
  }

  @Test
  void setattr_chownRules() throws IOException {
    long f = meta.mknod(alice, ROOT, "f", FileType.FILE, 06755, 0, 0).ino();
    assertErrno(Errno.EPERM, () -> meta.setattr(alice, f, SetAttr.chown(1001, -1)));
    assertErrno(Errno.EPERM, () -> meta.setattr(alice, f, SetAttr.chown(-1, 1001)));
    assertErrno(Errno.EPERM, () -> meta.setattr(bob, f, SetAttr.chown(-1, 1001)));
    Attr a = meta.setattr(alice, f, SetAttr.chown(-1, 50));
    assertThat(a.gid()).isEqualTo(50);
    assertThat(a.mode() & 06000).as("chown clears setuid and setgid of an executable").isZero();
    Attr b = meta.setattr(root, f, SetAttr.chown(1001, 1001));
    assertThat(b.uid()).isEqualTo(1001);
  }

  @Test
  void setattr_timesAndCtime() throws IOException {
    long f = meta.mknod(alice, ROOT, "f", FileType.FILE, 0666, 0, 0).ino();
    long c0 = meta.getattr(root, f).ctime();
    clock.advance(java.time.Duration.ofSeconds(2));
    Attr a = meta.setattr(alice, f, SetAttr.utimes(1_000_000_001L, 2_000_000_002L));
    assertThat(a.atime()).isEqualTo(1_000_000_001L);
    assertThat(a.mtime()).isEqualTo(2_000_000_002L);
    assertThat(a.ctime()).isGreaterThan(c0);
    assertErrno(Errno.EPERM, () -> meta.setattr(bob, f, SetAttr.utimes(1, 1)));
    // "now" is allowed for anyone who may write.
    assertThat(meta.setattr(bob, f, SetAttr.touchNow()).mtime()).isEqualTo(clock.nowNanos());
    meta.setattr(alice, f, SetAttr.chmod(0644));
    assertErrno(Errno.EACCES, () -> meta.setattr(bob, f, SetAttr.touchNow()));
  }

  @Test
  void setattr_truncate() throws IOException {
    long f = meta.mknod(alice, ROOT, "f", FileType.FILE, 0644, 0, 0).ino();
    assertThat(meta.setattr(alice, f, SetAttr.truncate(12345)).length()).isEqualTo(12345);
    assertErrno(Errno.EACCES, () -> meta.setattr(bob, f, SetAttr.truncate(0)));
    long d = mkdir(ROOT, "d");
    assertErrno(Errno.EISDIR, () -> meta.setattr(root, d, SetAttr.truncate(0)));
    assertErrno(Errno.EINVAL, () -> meta.setattr(root, f, SetAttr.truncate(-1)));
    assertErrno(Errno.EFBIG, () -> meta.setattr(root, f, SetAttr.truncate(1L << 60)));
  }

  @Test
  void open_checksAccessMode() throws IOException {
    long f = meta.mknod(alice, ROOT, "f", FileType.FILE, 0640, 0, 0).ino();
    meta.open(alice, f, 2);
    meta.close(alice, f);
    assertErrno(Errno.EACCES, () -> meta.open(bob, f, 0));
    long d = mkdir(ROOT, "d");
    assertErrno(Errno.EISDIR, () -> meta.open(root, d, 1));
  }

  @Test
  void xattrs_setGetListRemove() throws IOException {
    long f = file(ROOT, "f");
    meta.setxattr(root, f, "user.a", "1".getBytes(), 0);
    meta.setxattr(root, f, "user.b", new byte[0], 0);
    assertThat(meta.getxattr(root, f, "user.a")).isEqualTo("1".getBytes());
    assertThat(meta.getxattr(root, f, "user.b")).isEmpty();
    assertThat(meta.listxattr(root, f)).containsExactly("user.a", "user.b");
    assertErrno(Errno.EEXIST, () -> meta.setxattr(root, f, "user.a", new byte[1], Meta.XATTR_CREATE));
    assertErrno(Errno.ENODATA, () -> meta.setxattr(root, f, "user.c", new byte[1], Meta.XATTR_REPLACE));
    meta.setxattr(root, f, "user.a", "22".getBytes(), Meta.XATTR_REPLACE);
    assertThat(meta.getxattr(root, f, "user.a")).isEqualTo("22".getBytes());
    meta.removexattr(root, f, "user.a");
    assertErrno(Errno.ENODATA, () -> meta.getxattr(root, f, "user.a"));
    assertErrno(Errno.ENODATA, () -> meta.removexattr(root, f, "user.a"));
    assertErrno(Errno.ERANGE, () -> meta.setxattr(root, f, "user." + "n".repeat(300), new byte[1], 0));
    assertErrno(Errno.E2BIG, () -> meta.setxattr(root, f, "user.big", new byte[65537], 0));
    meta.unlink(root, ROOT, "f"); // xattrs go with the inode (checked by the consistency check)
  }
}
