package io.nectarfs.cli;

import io.nectarfs.cache.CacheGroup;
import io.nectarfs.cache.GroupBlocks;
import io.nectarfs.cache.PeerClient;
import io.nectarfs.chunk.BlockKeys;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Metrics;
import io.nectarfs.common.Secrets;
import io.nectarfs.common.Sizes;
import io.nectarfs.meta.Chunks;
import io.nectarfs.meta.Slice;
import io.nectarfs.volume.Volume;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code nectar warmup META-URL PATH... --cache-group NAME [--check | --evict]}: the blocks of the
 * files, split by owner across the group's members, warmed (checked, evicted) by all members at
 * once; progress on a terminal, a summary per member, exit status 1 when a block could not be
 * warmed (or, with --check, is not cached).
 */
final class GroupWarmup {
  private GroupWarmup() {}

  enum Mode { WARM, CHECK, EVICT }

  /**
   * {@code --json}: blocks and bytes asked about, blocks warmed/cached/evicted ({@code ok}), failed
   * (not warmed, not cached), the cached fraction ({@code --check}), seconds, and per member the
   * same counts and the error that stopped it (null when none).
   */
  record Json(String mode, long files, long blocks, long bytes, long ok, long failed, Double cachedFraction, double seconds,
      Map<String, GroupBlocks.Share> members, List<String> skipped) {}

  /** {@code lengths}: the files' inodes and lengths as collected (a hard link once); {@code files}: how many paths. */
  static int run(CommandSpec spec, Volume v, String name, Map<Long, Long> lengths, int files, List<String> skipped, Mode mode, boolean json)
      throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    for (String s : skipped) {
      err.println("warmup: skipped " + s);
    }
    List<PeerClient.Key> keys = keys(v, lengths);
    long fileBytes = lengths.values().stream().mapToLong(Long::longValue).sum();
    try (CacheGroup g = CacheGroup.create(CacheGroup.Options.consumer(name), Metrics.disabled())) {
      g.start(v.meta(), null, Secrets.fromEnvironment());
      g.requireMembers();
      long t0 = System.nanoTime();
      String label = switch (mode) {
        case WARM -> "warming up on " + g.members().size() + " member(s)";
        case CHECK -> "checking " + g.members().size() + " member(s)";
        case EVICT -> "evicting from " + g.members().size() + " member(s)";
      };
      GroupBlocks.Result r;
      try (Progress progress = new Progress(err, Progress.isTerminal(), label, keys.size())) {
        GroupBlocks.Listener l = (blocks, bytes, failed) -> progress.add(blocks, bytes);
        r = switch (mode) {
          case WARM -> g.blocks().warm(Ctx.ROOT, keys, l);
          case CHECK -> g.blocks().check(Ctx.ROOT, keys, l);
          case EVICT -> g.blocks().evict(Ctx.ROOT, keys, l);
        };
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      for (var e : r.members().entrySet()) {
        if (e.getValue().error() != null) {
          err.println("warmup: member " + e.getKey() + ": " + e.getValue().error());
        }
      }
      err.flush();
      Double fraction = mode == Mode.CHECK ? (keys.isEmpty() ? 1.0 : (double) r.ok() / keys.size()) : null;
      if (json) {
        JsonOutput.print(out, new Json(mode.name().toLowerCase(Locale.ROOT), files, keys.size(), r.bytes(), r.ok(), r.failed(), fraction,
            secs, r.members(), skipped));
      } else {
        switch (mode) {
          case WARM -> out.printf(Locale.ROOT, "warmed up %d file(s), %d block(s), %s on %d member(s) in %.1f s (%s/s)%s%n", files, r.ok(),
              Sizes.format(r.bytes()), r.members().size(), secs, Sizes.format((long) (r.bytes() / Math.max(secs, 1e-3))),
              r.failed() == 0 ? "" : "; " + r.failed() + " block(s) failed (the members' logs and metrics say why)");
          case CHECK -> out.printf(Locale.ROOT, "%d of %d block(s) cached in group %s (%.1f%%) of %d file(s), %s%n", r.ok(), keys.size(), name,
              100 * fraction, files, Sizes.format(fileBytes));
          case EVICT -> out.printf(Locale.ROOT, "evicted %d block(s) of %d file(s) from group %s%n", r.ok(), files, name);
        }
        for (var e : r.members().entrySet()) {
          GroupBlocks.Share s = e.getValue();
          out.printf(Locale.ROOT, "  %-24s %6d block(s) %10s  %s %d%s%n", e.getKey(), s.blocks(), Sizes.format(s.bytes()),
              mode == Mode.CHECK ? "cached" : mode == Mode.EVICT ? "evicted" : "warmed", s.ok(),
              mode != Mode.WARM || s.failed() == 0 ? "" : ", failed " + s.failed());
        }
      }
      out.flush();
      return switch (mode) {
        case WARM, CHECK -> r.failed() == 0 ? Cli.OK : Cli.FAILURE;
        case EVICT -> r.members().values().stream().anyMatch(s -> s.error() != null) ? Cli.FAILURE : Cli.OK;
      };
    }
  }

  /** The stored blocks of the files (inline slices live in the metadata: none), each once. */
  private static List<PeerClient.Key> keys(Volume v, Map<Long, Long> lengths) throws IOException {
    int bs = v.format().blockSize();
    Set<PeerClient.Key> keys = new LinkedHashSet<>();
    Map<Long, Boolean> seen = new LinkedHashMap<>();
    for (var file : lengths.entrySet()) {
      long ino = file.getKey();
      long length = file.getValue();
      for (int i = 0; i * (long) Chunks.CHUNK_SIZE < length; i++) {
        for (Slice s : v.meta().read(Ctx.ROOT, ino, i)) {
          if (s.id() == 0 || s.inline() || seen.putIfAbsent(s.id(), true) != null) {
            continue;
          }
          for (int b = 0; b < BlockKeys.blocks(s.size(), bs); b++) {
            keys.add(new PeerClient.Key(BlockKeys.key(s.id(), b, BlockKeys.blockLength(s.size(), bs, b)), BlockKeys.blockLength(s.size(), bs, b)));
          }
        }
      }
    }
    return new ArrayList<>(keys);
  }
}
