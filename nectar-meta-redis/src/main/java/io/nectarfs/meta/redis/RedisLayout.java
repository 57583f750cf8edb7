package io.nectarfs.meta.redis;

import io.nectarfs.meta.kv.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How an ordered key-value volume is laid out in Redis, whose keys are unordered.
 *
 * <h2>Redis keys of one volume</h2>
 *
 * Every key starts with the volume's hash tag <code>{NAME}</code> (NAME = the {@code prefix}
 * option, else the DB number), so a volume lives in one Redis Cluster slot and several volumes can
 * share a database:
 *
 * <pre>
 * {NAME}d KEY          string: the value of KEY
 * {NAME}i PARTITION    sorted set, every score 0: the KEYs of one scan partition (ZRANGEBYLEX)
 * {NAME}p              sorted set, every score 0: the names of the non-empty partitions
 * {NAME}v B            integer: commits that wrote a KEY whose first byte is B (bulk-read fence)
 * {NAME}c PARTITION    integer: commits that wrote a KEY of PARTITION (scan conflicts, see RedisTxn)
 * {NAME}q              integer: commits that added or removed a partition of {NAME}p
 * </pre>
 *
 * <h2>Scan partitions</h2>
 *
 * A key's partition is its first {@code n} bytes, {@code n} chosen by the first byte so that each
 * scan the metadata does reads one partition (see {@code io.nectarfs.meta.Keys}):
 *
 * <ul>
 *   <li>{@code 'A'}: 10 bytes, {@code 'A' + inode + kind} — the entries of one directory, the
 *       chunks, extended attributes or parent links of one inode;
 *   <li>{@code 'S'}: 2 bytes — sessions ({@code SE}) and sustained inodes ({@code SS});
 *   <li>anything else ({@code C} counters, {@code D} files to delete, {@code K} slice references,
 *       {@code L} slices to free, {@code T} leases, {@code F} format): 1 byte.
 * </ul>
 *
 * A key shorter than {@code n} is its own partition. The partitions then sort like their keys:
 * listing the partitions in name order and each partition's keys in order gives all keys in order
 * (two partitions of {@code n} bytes with the same first byte are disjoint ranges; a short
 * partition holds one key that sorts before every longer key it prefixes). A scan that stays inside
 * one partition reads only that partition's set; a wider scan ({@code Checker} reads all of {@code
 * 'A'}) first lists the partitions in range from {@code {NAME}p}.
 *
 * <p>Writes keep the sets current in the same commit script as the values: ZADD on put, ZREM on
 * delete, the partition added to {@code {NAME}p} on put and removed when its set becomes empty
 * ({@code {NAME}q} incremented when either happens), and the commit counters of each partition
 * and each first byte written incremented once.
 */
final class RedisLayout {
  private final byte[] dataPrefix;
  private final byte[] indexPrefix;
  private final byte[] partitions;
  private final byte[] versionPrefix;
  private final byte[] counterPrefix;
  private final byte[] partitionsCounter;
  private final byte[] tag;

  RedisLayout(String tag) {
    this.tag = tag.getBytes(StandardCharsets.UTF_8);
    this.dataPrefix = Bytes.concat(this.tag, new byte[] {'d'});
    this.indexPrefix = Bytes.concat(this.tag, new byte[] {'i'});
    this.partitions = Bytes.concat(this.tag, new byte[] {'p'});
    this.versionPrefix = Bytes.concat(this.tag, new byte[] {'v'});
    this.counterPrefix = Bytes.concat(this.tag, new byte[] {'c'});
    this.partitionsCounter = Bytes.concat(this.tag, new byte[] {'q'});
  }

  /** The commit counter of one partition: changes whenever a key of the partition is written. */
  byte[] counterKey(byte[] partition) {
    return Bytes.concat(counterPrefix, partition);
  }

  /** The counter that changes whenever a partition appears in or leaves {@link #partitionsKey}. */
  byte[] partitionsCounterKey() {
    return partitionsCounter;
  }

  /** The prefix of every data key (data key = prefix + KEY). */
  byte[] dataPrefix() {
    return dataPrefix.clone();
  }

  /** The commit counter of keys starting with byte {@code first} (0..255; the empty key counts as 0). */
  byte[] versionKey(int first) {
    return Bytes.concat(versionPrefix, new byte[] {(byte) first});
  }

  /** The first byte of {@code key} as 0..255 (0 for the empty key). */
  static int firstByte(byte[] key) {
    return key.length == 0 ? 0 : key[0] & 0xff;
  }

  /** The glob matching every Redis key of the volume (the tag has no glob characters). */
  byte[] allKeysPattern() {
    return Bytes.concat(tag, new byte[] {'*'});
  }

  byte[] dataKey(byte[] key) {
    return Bytes.concat(dataPrefix, key);
  }

  byte[] indexKey(byte[] partition) {
    return Bytes.concat(indexPrefix, partition);
  }

  /** The sorted set of partition names. */
  byte[] partitionsKey() {
    return partitions;
  }

  /** The partition length for keys starting like {@code key} (1 for the empty key). */
  static int partitionLength(byte[] key) {
    if (key.length == 0) {
      return 1;
    }
    return switch (key[0]) {
      case 'A' -> 10;
      case 'S' -> 2;
      default -> 1;
    };
  }

  /** The partition of {@code key}: its first {@link #partitionLength} bytes, or all of it. */
  static byte[] partition(byte[] key) {
    return Arrays.copyOf(key, Math.min(key.length, partitionLength(key)));
  }

  /**
   * The one partition holding every key in {@code [start, end)}, or null when the range may span
   * several partitions.
   */
  static byte[] singlePartition(byte[] start, byte[] end) {
    int n = partitionLength(start);
    if (start.length < n) {
      return null;
    }
    byte[] part = Arrays.copyOf(start, n);
    byte[] partEnd = Bytes.prefixEnd(part);
    if (partEnd == null || (end != null && Bytes.ORDER.compare(end, partEnd) <= 0)) {
      return part;
    }
    return null;
  }

  /** ZRANGEBYLEX bound: {@code [key} (inclusive). */
  static byte[] inclusive(byte[] key) {
    return Bytes.concat(new byte[] {'['}, key);
  }

  /** ZRANGEBYLEX bound: {@code (key} (exclusive), or {@code +} (no bound) for null. */
  static byte[] exclusive(byte[] key) {
    return key == null ? new byte[] {'+'} : Bytes.concat(new byte[] {'('}, key);
  }
}
