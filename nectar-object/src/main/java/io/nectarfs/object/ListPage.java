package io.nectarfs.object;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param objects objects in key order
 * @param commonPrefixes rolled-up prefixes (only with a delimiter), in order, each ending with the
 *     delimiter
 * @param truncated whether more entries follow
 * @param nextStartAfter the {@code startAfter} that continues the listing when truncated: the
 *     greatest key or prefix on this page
 */
public record ListPage(
    List<ObjectInfo> objects, List<String> commonPrefixes, boolean truncated, String nextStartAfter) {
  public ListPage {
    objects = List.copyOf(objects);
    commonPrefixes = List.copyOf(commonPrefixes);
  }
}
