package io.nectarfs.meta;

/**
 * One directory entry of a readdir. {@code attr} is present only for readdirplus.
 *
 * @param name the entry's name (never "." or "..": the VFS adds those)
 * @param ino the child inode
 * @param type the child's type
 * @param attr the child's attributes, or null for a plain readdir
 */
public record DirEntry(String name, long ino, FileType type, Attr attr) {}
