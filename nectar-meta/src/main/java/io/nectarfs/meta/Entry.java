package io.nectarfs.meta;

/** An inode number with its attributes, as returned by lookup and create. */
public record Entry(long ino, Attr attr) {}
