package io.nectarfs.chunk;

/**
 * A snapshot of the store's counters.
 *
 * @param bufferUsed bytes held by slice writers and read buffers
 * @param bufferLimit the memory budget
 * @param cacheBytes bytes in the local disk cache
 * @param cacheBlocks blocks in the local disk cache
 * @param cacheHits reads served from memory or disk cache
 * @param cacheMisses reads that went to the object store
 * @param objectGets object GETs
 * @param objectPuts object PUTs
 * @param stagedBlocks writeback blocks waiting for upload
 */
public record ChunkStats(long bufferUsed, long bufferLimit, long cacheBytes, long cacheBlocks, long cacheHits, long cacheMisses,
    long objectGets, long objectPuts, long stagedBlocks) {}
