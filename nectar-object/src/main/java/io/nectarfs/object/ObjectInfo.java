package io.nectarfs.object;

import java.time.Instant;

/**
 * An object as listed or headed: its key, its size in bytes (as the user stored it, before any
 * compression or encryption), and its last modification time.
 */
public record ObjectInfo(String key, long size, Instant mtime) {}
