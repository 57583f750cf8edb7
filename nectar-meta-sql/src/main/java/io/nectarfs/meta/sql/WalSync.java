package io.nectarfs.meta.sql;

import io.nectarfs.meta.kv.KvDurability;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The durability barrier of a SQLite database in WAL mode with {@code synchronous=normal}: SQLite
 * writes every commit to the write-ahead log without syncing it (and syncs the log before each
 * checkpoint, the database after it, and the log header when the log is reused), so syncing the
 * log file makes every commit so far durable, exactly as {@code synchronous=full} would have at
 * each commit. With {@code full} or {@code extra} every commit is already durable and {@link #sync}
 * does nothing.
 *
 * <p>Concurrency: one flush at a time; callers that arrive while one runs wait and share the next
 * one (group commit). Invariant: {@code synced} is the largest ticket whose caller's commits are
 * durable; a caller takes its ticket after its commit returned, and a flush covers every ticket
 * taken before it started. The log is opened afresh for each flush (SQLite may delete and
 * re-create it); a missing log means every commit is in the database file, which the checkpoint
 * that removed the log synced. The directory is synced once, so the log's own name is durable.
 */
final class WalSync implements KvDurability {
  private final Path wal;
  private final boolean everyCommitDurable;
  private final ReentrantLock flushing = new ReentrantLock();
  private final AtomicLong tickets = new AtomicLong();
  private long synced; // guarded by flushing
  private boolean dirSynced; // guarded by flushing

  WalSync(Path database, boolean everyCommitDurable) {
    this.wal = database.resolveSibling(database.getFileName() + "-wal");
    this.everyCommitDurable = everyCommitDurable;
  }

  @Override
  public void sync() throws IOException {
    if (everyCommitDurable) {
      return;
    }
    long mine = tickets.incrementAndGet();
    flushing.lock();
    try {
      if (synced >= mine) {
        return; // a flush that started after our commit covered it
      }
      long upTo = tickets.get();
      flush(wal);
      if (!dirSynced) {
        flush(wal.getParent());
        dirSynced = true;
      }
      synced = upTo;
    } finally {
      flushing.unlock();
    }
  }

  private static void flush(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(false);
    } catch (NoSuchFileException e) {
      // no log (yet or any more): every commit is in the database file, synced by its checkpoint
    }
  }
}
