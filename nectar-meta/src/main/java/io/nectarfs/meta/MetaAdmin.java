package io.nectarfs.meta;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Administrative operations on a volume, for the command line: paths, directory quotas, tree
 * summaries, repair, dump and load. Kept apart from {@link Meta}, which is what a mount uses.
 * Acts as root.
 */
public final class MetaAdmin {
  private final MetaClient m;

  public MetaAdmin(MetaClient m) {
    this.m = m;
  }

  /** The inode of an absolute path inside the volume ("/" is the root). ENOENT, ENOTDIR. */
  public long resolve(String path) throws IOException {
    long ino = Meta.ROOT;
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      ino = m.lookup(Ctx.ROOT, ino, part).ino();
    }
    return ino;
  }

  /** Sets or changes the quota of a directory (0: no limit); a new quota's usage comes from a scan of the tree. */
  public Quota setQuota(long dir, long maxSpace, long maxInodes) throws IOException {
    m.checkWritable();
    return m.quotas.set(dir, maxSpace, maxInodes);
  }

  /** The quota of {@code dir}, or null. */
  public Quota getQuota(long dir) throws IOException {
    return m.quotas.get(dir);
  }

  public List<Quota> listQuotas() throws IOException {
    return m.quotas.list();
  }

  public boolean deleteQuota(long dir) throws IOException {
    m.checkWritable();
    return m.quotas.delete(dir);
  }

  /** Each quota (or only {@code dir}'s) with what a full scan of its tree finds; {@code repair} stores the scanned usage. */
  public Map<Quota, DirStats> checkQuotas(Long dir, boolean repair) throws IOException {
    return m.quotas.check(dir, repair);
  }

  /** {@link #checkQuotas(Long, boolean)} reporting 1 to {@code checked} per quota done (for progress). */
  public Map<Quota, DirStats> checkQuotas(Long dir, boolean repair, java.util.function.LongConsumer checked) throws IOException {
    return m.quotas.check(dir, repair, checked);
  }

  /**
   * Space, inodes and directories below {@code dir}, from the directory statistics (no file is
   * read), in one bulk read (see {@link io.nectarfs.meta.kv.TxnKv#bulkRead}): exact on a quiet
   * tree; a directory moved during the read may be counted twice or not at all on Redis.
   */
  public DirStats summary(long dir) throws IOException {
    return m.bulk(kv -> {
      Attr a = new Tx(kv, 0).attr(dir);
      if (!a.isDir()) {
        throw Errno.ENOTDIR.exception("inode " + dir);
      }
      return Quotas.summary(kv, dir);
    }).value();
  }

  /** Repairs what {@link MetaClient#check} finds; returns what was fixed. Run it while no client writes. */
  public List<String> repair(java.util.function.Consumer<String> progress) throws IOException {
    m.checkWritable();
    return Repair.run(m, progress);
  }

  /**
   * Writes the volume as an engine-neutral JSON dump (see {@link Dump}); the encryption key's PEM
   * only with {@code keepEncryptKey}. Dump a volume nobody writes.
   */
  public void dump(java.io.OutputStream out, boolean keepEncryptKey, java.util.function.Consumer<String> progress) throws IOException {
    Dump.dump(m, out, keepEncryptKey, progress);
  }

  /** Loads a dump into an engine that holds no volume; returns the loaded format record. */
  public static Format load(io.nectarfs.meta.kv.TxnKv kv, java.io.InputStream in, java.util.function.Consumer<String> progress) throws IOException {
    return Dump.load(kv, in, progress);
  }

  /** A dump in canonical form, for comparing dumps (whitespace and layout removed). */
  public static String normalizeDump(String dump) throws IOException {
    return Dump.normalize(dump);
  }
}
