package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.common.Errno;
import io.nectarfs.meta.DirStats;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.Quota;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.Slice;
import io.nectarfs.meta.StatFs;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Directory statistics and quotas: EDQUOT, nesting, statfs under a quota, check equals a full scan. */
public abstract class QuotaSuite extends MetaTestBase {
  private void write(MetaClient c, long f, long off, int len) throws IOException {
    c.write(root, f, (int) (off >> 26), new Slice((int) (off & ((1 << 26) - 1)), c.newSliceId(), len, 0, len), clock.nowNanos());
  }

  @Test
  void spaceQuota_refusesWritesPastIt() throws IOException {
    MetaAdmin admin = new MetaAdmin(meta);
    long d = mkdir(ROOT, "team");
    admin.setQuota(d, 64 << 10, 0);
    long f = file(d, "f");
    write(meta, f, 0, 40 << 10);
    assertErrno(Errno.EDQUOT, () -> write(meta, f, 40 << 10, 40 << 10));
    assertErrno(Errno.EDQUOT, () -> meta.setattr(root, f, SetAttr.truncate(1 << 20)));
    assertErrno(Errno.EDQUOT, () -> meta.fallocate(root, f, 0, 0, 1 << 20));
    long g = file(d, "g");
    assertErrno(Errno.EDQUOT, () -> meta.copyFileRange(root, f, 0, g, 0, 40 << 10));
    long outside = file(ROOT, "big");
    write(meta, outside, 0, 1 << 20);
    assertErrno(Errno.EDQUOT, () -> meta.rename(root, ROOT, "big", d, "big", 0));
    assertErrno(Errno.EDQUOT, () -> meta.link(root, outside, d, "big"));
    assertErrno(Errno.EDQUOT, () -> meta.clone(root, outside, d, "clone"));
    meta.setattr(root, f, SetAttr.truncate(0)); // shrinking always works
    write(meta, f, 0, 40 << 10);
    Quota q = admin.getQuota(d);
    assertThat(q.usedSpace()).isEqualTo(40 << 10);
    assertThat(q.usedInodes()).isEqualTo(2);
  }

  @Test
  void nestedQuotas_everyAncestorCounts_andInodeLimits() throws IOException {
    MetaAdmin admin = new MetaAdmin(meta);
    long a = mkdir(ROOT, "a");
    long b = mkdir(a, "b");
    long c = mkdir(b, "c");
    admin.setQuota(a, 0, 5);
    admin.setQuota(c, 0, 100);
    file(c, "1");
    file(c, "2");
    file(b, "3");
    assertErrno(Errno.EDQUOT, () -> file(c, "4")); // a: b, c, 1, 2, 3 = 5
    assertErrno(Errno.EDQUOT, () -> meta.mkdir(root, c, "x", 0755, 0));
    meta.unlink(root, b, "3");
    file(c, "4");
    assertThat(admin.getQuota(c).usedInodes()).isEqualTo(3);
    assertThat(admin.getQuota(a).usedInodes()).isEqualTo(5);
    StatFs s = meta.statfs(root, c);
    assertThat(s.usedInodes()).as("statfs under the nearest quota").isEqualTo(3);
    assertThat(s.availInodes()).isEqualTo(97);
    admin.setQuota(b, 1 << 20, 0);
    StatFs sb = meta.statfs(root, b);
    assertThat(sb.totalSpace()).isEqualTo(1 << 20);
    assertThat(sb.availSpace()).isEqualTo((1 << 20) - 4096);
    // Moving a directory out of a quota tree takes its usage along.
    meta.rename(root, b, "c", ROOT, "c", 0);
    assertThat(admin.getQuota(a).usedInodes()).isEqualTo(1);
    assertThat(admin.getQuota(b).usedSpace()).isZero();
    assertThat(admin.deleteQuota(c)).isTrue();
    assertThat(admin.listQuotas()).extracting(Quota::ino).containsExactlyInAnyOrder(a, b);
  }

  @Test
  void statistics_exactUnderTwoClients_andCheckEqualsAFullScan() throws IOException {
    MetaAdmin admin = new MetaAdmin(meta);
    MetaClient other = newClient();
    long d = mkdir(ROOT, "d");
    admin.setQuota(d, 1L << 40, 1_000_000);
    long sub = meta.mkdir(root, d, "sub", 0755, 0).ino();
    for (int i = 0; i < 20; i++) {
      MetaClient c = i % 2 == 0 ? meta : other;
      long f = c.mknod(root, i % 3 == 0 ? sub : d, "f" + i, FileType.FILE, 0644, 0, 0).ino();
      write(c, f, 0, 1000 * (i + 1));
      if (i % 5 == 0) {
        c.link(root, f, sub, "l" + i);
      }
      if (i % 7 == 0) {
        c.unlink(root, i % 3 == 0 ? sub : d, "f" + i);
      }
    }
    other.symlink(root, sub, "s", "target");
    other.rename(root, d, "f1", sub, "moved", 0);
    Map<Quota, DirStats> checked = admin.checkQuotas(d, false);
    assertThat(checked).hasSize(1);
    Map.Entry<Quota, DirStats> e = checked.entrySet().iterator().next();
    assertThat(e.getKey().usedSpace()).isEqualTo(e.getValue().space());
    assertThat(e.getKey().usedInodes()).isEqualTo(e.getValue().inodes());
    DirStats summary = admin.summary(d);
    assertThat(summary.space()).isEqualTo(e.getValue().space());
    assertThat(summary.dirs()).isEqualTo(1);
    assertThat(summary.files()).isEqualTo(e.getValue().inodes() - 1);
    assertThat(admin.summary(Meta.ROOT).inodes()).isEqualTo(summary.inodes() + 1);
  }

  @Test
  void quotaCheck_repairsDriftedUsage() throws IOException {
    MetaAdmin admin = new MetaAdmin(meta);
    long d = mkdir(ROOT, "d");
    file(d, "a");
    admin.setQuota(d, 0, 10);
    // Damage the stored usage behind the client's back: key 'Q' + inode, value max space, max inodes, used space, used inodes.
    java.nio.ByteBuffer k = java.nio.ByteBuffer.allocate(9).put((byte) 'Q').putLong(d);
    java.nio.ByteBuffer v = java.nio.ByteBuffer.allocate(32).putLong(0).putLong(10).putLong(12345).putLong(99);
    engine.txn(tx -> {
      tx.put(k.array(), v.array());
      return null;
    });
    assertThat(meta.check()).anySatisfy(p -> assertThat(p).contains("quota of directory " + d));
    Map<Quota, DirStats> before = admin.checkQuotas(null, true);
    assertThat(before.keySet().iterator().next().usedInodes()).isEqualTo(99);
    assertThat(admin.getQuota(d).usedInodes()).isEqualTo(1);
    assertThat(meta.check()).isEmpty();
  }
}
