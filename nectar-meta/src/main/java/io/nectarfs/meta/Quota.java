package io.nectarfs.meta;

/**
 * A directory quota and the usage of the tree under it.
 *
 * @param ino the directory
 * @param maxSpace space limit in bytes (0: none)
 * @param maxInodes inode limit (0: none)
 * @param usedSpace space used below the directory (lengths rounded up to 4 KiB, 4 KiB per directory or symlink)
 * @param usedInodes inodes below the directory (not counting itself; a hard link counts once per entry)
 */
public record Quota(long ino, long maxSpace, long maxInodes, long usedSpace, long usedInodes) {}
