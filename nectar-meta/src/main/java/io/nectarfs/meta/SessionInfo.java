package io.nectarfs.meta;

/**
 * A client registered on the volume.
 *
 * @param sid session id
 * @param expireMillis when it is considered dead unless it heartbeats again
 * @param host host name
 * @param pid process id
 * @param mountPoint what the client serves (a path, "gateway", "cli")
 * @param version client version
 * @param startMillis when it started
 */
public record SessionInfo(long sid, long expireMillis, String host, long pid, String mountPoint, String version, long startMillis) {}
