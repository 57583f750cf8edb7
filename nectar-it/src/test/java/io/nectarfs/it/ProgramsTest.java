package io.nectarfs.it;

import static io.nectarfs.it.MountedVolume.sh;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Real programs on a real mount: archives, version control, databases, copies, locks, mmap. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProgramsTest {
  private Path tmp;
  private MountedVolume vol;
  private Path mnt;

  @BeforeAll
  void mount() throws Exception {
    tmp = Files.createTempDirectory("nectar-it-");
    vol = MountedVolume.mount(tmp.resolve("vol"));
    mnt = vol.mnt;
  }

  @AfterAll
  void unmount() throws Exception {
    if (vol != null) {
      vol.close();
      assertThat(vol.meta.isClosed()).isTrue();
    }
    sh(Path.of("/"), "rm -rf " + tmp);
  }

  /** A source tree to copy around: this project's own sources. */
  private static Path sourceTree() {
    Path p = Path.of(System.getProperty("user.dir")).getParent();
    return p.resolve("nectar-meta").toAbsolutePath();
  }

  @Test
  void tar_createAndExtract_roundTrips() throws Exception {
    Path src = sourceTree();
    sh(mnt, "mkdir -p tar && tar -C " + src.getParent() + " -cf tar/src.tar " + src.getFileName()
        + " && mkdir -p tar/x && tar -C tar/x -xf tar/src.tar && diff -r " + src + " tar/x/" + src.getFileName());
    sh(mnt, "tar -C tar/x -cf " + tmp.resolve("again.tar") + " . && tar -tf " + tmp.resolve("again.tar") + " | grep -q MetaClient.java");
  }

  @Test
  void git_initCommitClone() throws Exception {
    String out = sh(mnt, "mkdir -p git/repo && cd git/repo && git init -q && git config user.email t@t && git config user.name t"
        + " && cp -r " + sourceTree() + "/src . && git add -A && git commit -qm first && echo more >> README && git add README"
        + " && git commit -qm second && git gc -q && cd .. && git clone -q repo clone && cd clone && git log --oneline | wc -l && git fsck --strict 2>&1 | tail -1");
    assertThat(out.lines().findFirst().orElse("").trim()).isEqualTo("2");
  }

  @Test
  void sqlite_withConcurrentWriters() throws Exception {
    sh(mnt, "mkdir -p db && sqlite3 db/test.db 'create table t(id integer primary key, w text, v integer)'");
    String writer = "for i in $(seq 1 100); do echo \"insert into t(w, v) values('$W', $i);\"; done | sqlite3 -cmd '.timeout 20000' db/test.db";
    sh(mnt, "(W=a; " + writer + ") & (W=b; " + writer + ") & wait");
    String count = sh(mnt, "sqlite3 db/test.db 'select count(*), count(distinct w) from t; pragma integrity_check;'");
    assertThat(count.lines().toList()).containsExactly("200|2", "ok");
  }

  @Test
  void cpA_andRsync_keepAttributes() throws Exception {
    Path local = Files.createDirectories(tmp.resolve("attrs"));
    sh(local, "mkdir -p d/sub && echo hi > d/f && chmod 0640 d/f && touch -d '2020-01-02 03:04:05' d/f && ln d/f d/hard && ln -s f d/link"
        + " && setfattr -n user.color -v blue d/f && chown 1234:5678 d/sub");
    sh(mnt, "cp -a " + local.resolve("d") + " cpa");
    sh(mnt, "rsync -aHX " + local.resolve("d") + "/ rs/");
    for (String dir : new String[] {"cpa", "rs"}) {
      String st = sh(mnt, "stat -c '%a %Y %h' " + dir + "/f; readlink " + dir + "/link; stat -c '%u:%g' " + dir + "/sub; getfattr --only-values -n user.color " + dir + "/f");
      assertThat(st).as(dir).contains("640 1577934245 2", "f\n", "1234:5678", "blue");
    }
  }

  @Test
  void flock_betweenProcesses() throws Exception {
    sh(mnt, "mkdir -p locks && touch locks/l");
    // A holder keeps an exclusive lock for a while; a non-blocking attempt meanwhile fails.
    String out = sh(mnt, "(flock -x locks/l -c 'sleep 1.5') & sleep 0.5; if flock -xn locks/l -c true; then echo got; else echo busy; fi; wait; flock -xn locks/l -c 'echo free'");
    assertThat(out).contains("busy", "free").doesNotContain("got");
  }

  @Test
  void mmap_readAndWrite() throws Exception {
    String py = "import mmap,os\n"
        + "f=open('mm.bin','wb'); f.write(b'\\0'*1048576); f.close()\n"
        + "fd=os.open('mm.bin',os.O_RDWR); m=mmap.mmap(fd,1048576)\n"
        + "for i in range(0,1048576,4096): m[i:i+4]=i.to_bytes(4,'little')\n"
        + "m.flush(); m.close(); os.close(fd)\n"
        + "d=open('mm.bin','rb').read()\n"
        + "assert all(int.from_bytes(d[i:i+4],'little')==i for i in range(0,1048576,4096))\n"
        + "m2=mmap.mmap(os.open('mm.bin',os.O_RDONLY),0,prot=mmap.PROT_READ); assert m2[4096:4100]==(4096).to_bytes(4,'little'); print('ok')\n";
    Files.writeString(tmp.resolve("mm.py"), py);
    assertThat(sh(mnt, "python3 " + tmp.resolve("mm.py"))).contains("ok");
  }

  @Test
  void oAppend_fromConcurrentWriters() throws Exception {
    sh(mnt, "for w in 1 2 3 4; do (for i in $(seq 1 300); do echo \"w$w-$i\" >> app.log; done) & done; wait");
    String out = sh(mnt, "wc -l < app.log; sort app.log | uniq | wc -l");
    assertThat(out.lines().map(String::trim).toList()).containsExactly("1200", "1200");
  }

  @Test
  void largeAndSparseFiles() throws Exception {
    String out = sh(mnt, "dd if=/dev/urandom of=" + tmp.resolve("big.src") + " bs=1M count=150 status=none && cp " + tmp.resolve("big.src")
        + " big.bin && cmp big.bin " + tmp.resolve("big.src") + " && echo same"
        + " && truncate -s 1G sparse && printf x | dd of=sparse bs=1 seek=700000000 conv=notrunc status=none"
        + " && stat -c %s sparse && od -An -c -j 700000000 -N 1 sparse && cmp -n 1048576 sparse /dev/zero && echo zeros");
    assertThat(out).contains("same", "1073741824", "x", "zeros");
  }

  @Test
  void directoryWith100kEntries() throws Exception {
    String py = "import os\nos.makedirs('many',exist_ok=True)\n"
        + "for i in range(100000):\n  os.close(os.open('many/f%06d'%i, os.O_CREAT|os.O_WRONLY, 0o644))\n"
        + "n=len(os.listdir('many')); print(n)\n";
    Files.writeString(tmp.resolve("many.py"), py);
    assertThat(sh(mnt, "python3 " + tmp.resolve("many.py")).trim()).isEqualTo("100000");
    assertThat(sh(mnt, "ls many | wc -l").trim()).isEqualTo("100000");
    assertThat(sh(mnt, "stat -c %h many").trim()).isEqualTo("2");
  }
}
