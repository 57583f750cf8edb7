package io.nectarfs.meta.kv;

import java.io.IOException;

/**
 * Optional capability of an engine whose commits are not each durable on return (SQLite in WAL
 * mode with {@code synchronous=normal}, the embedded default): a commit is visible to every
 * client and survives a crash of any process at once, but only a {@link #sync} makes it survive a
 * crash of the operating system or a power loss. Found through {@link TxnKv#capability}; an engine
 * without it makes every commit durable before returning.
 *
 * <p>Contract: when {@link #sync} returns normally, every transaction that any client of the same
 * database committed before the call began is durable; the database stays consistent without it
 * (what may be lost is a suffix of the commits, never a part of one). Thread-safe; concurrent calls
 * may share one flush to the disk (group commit).
 */
public interface KvDurability {
  /** Makes every commit that returned before this call durable; IOException when the disk fails. */
  void sync() throws IOException;
}
