package io.nectarfs.meta;

/** Space and inode totals as {@code statfs} reports them. */
public record StatFs(long totalSpace, long availSpace, long usedInodes, long availInodes) {}
