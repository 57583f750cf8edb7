package io.nectarfs.meta;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The trash: {@code /.trash/YYYY-MM-DD-HH/} (UTC hour of deletion) holds removed entries named
 * {@code parent-inode-name}, so that {@code nectar restore} can put them back. Hour directories
 * have inodes {@code TRASH + n}; only root may change the trash.
 *
 * <p>Every removal in the volume (of every client) lands in the same hour directory, so moving an
 * entry in or out writes nothing of the hour directory itself: no directory statistics (the
 * checker and {@code summary} count the trash's entries instead) and no mtime/ctime (an hour
 * directory's times are its creation; nlink still follows its subdirectories). Otherwise all
 * concurrent unlinks would write the same two keys: on Redis and PostgreSQL, with optimistic or
 * serializable transactions, 8 threads unlinking in their own directories conflicted about once
 * per unlink.
 */
final class Trash {
  static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH").withZone(ZoneOffset.UTC);
  private static final long HOUR_RANGE = 1L << 27;

  private Trash() {}

  static boolean isTrashHour(long ino) {
    return ino > Meta.TRASH && ino < Meta.TRASH + HOUR_RANGE;
  }

  static boolean inTrash(long ino) {
    return ino == Meta.TRASH || isTrashHour(ino);
  }

  static String entryName(long parent, long ino, String name) {
    String n = parent + "-" + ino + "-" + name;
    byte[] b = io.nectarfs.common.Names.encode(n);
    if (b.length <= Meta.MAX_NAME) {
      return n;
    }
    // Cut on a character boundary (names are bytes; this keeps a valid UTF-8 name valid).
    int len = Meta.MAX_NAME;
    while (len > 0 && (b[len] & 0xC0) == 0x80) {
      len--;
    }
    return io.nectarfs.common.Names.decode(b, 0, len);
  }

  /** The hour directory for {@code nowNanos}, created in this transaction when missing. */
  static long hourDir(MetaClient m, Tx tx, long nowNanos) throws IOException {
    String name = HOUR.format(Instant.ofEpochSecond(0, nowNanos));
    byte[] d = tx.dentry(Meta.TRASH, name);
    if (d != null) {
      return Codec.dentryIno(d);
    }
    long ino = Meta.TRASH + tx.kv.incrBy(Keys.counter("nextTrash"), 1);
    Attr a = new Attr(FileType.DIR, 0555, 0, 0, nowNanos, nowNanos, nowNanos, 2, Attr.DIR_SIZE, 0, 0, Meta.TRASH);
    tx.putAttr(ino, a);
    tx.putDentry(Meta.TRASH, name, FileType.DIR, ino);
    Attr t = tx.attr(Meta.TRASH);
    tx.putAttr(Meta.TRASH, t.withNlink(t.nlink() + 1).withMtimeCtime(nowNanos));
    return ino;
  }

  /** The (parent, name) a trash entry came from, or null when the name is not a trash entry name. */
  static Object[] origin(String entry) {
    int a = entry.indexOf('-');
    int b = a < 0 ? -1 : entry.indexOf('-', a + 1);
    if (b < 0) {
      return null;
    }
    try {
      long parent = Long.parseLong(entry.substring(0, a));
      Long.parseLong(entry.substring(a + 1, b));
      return new Object[] {parent, entry.substring(b + 1)};
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
