package io.nectarfs.cli;

import io.nectarfs.chunk.BlockKeys;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Names;
import io.nectarfs.common.Sizes;
import io.nectarfs.fs.FileSystem;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.Chunks;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Slice;
import io.nectarfs.volume.Volume;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nectar info META-URL PATH} or {@code nectar info MOUNT-PATH}: inode, attributes, chunks, slices and objects of a file. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show a file's inode, chunks, slices and the objects that hold its data.")
final class InfoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(arity = "1..2", paramLabel = "META-URL PATH|MOUNT-PATH",
      description = {"The volume's metadata engine URL and a path inside the volume (e.g. /data/model.bin; \\xNN for a byte that is not UTF-8,",
          "\\\\ for a backslash), or a path in a running mount."})
  List<String> args;

  @Option(names = "--objects", description = "List every object key (default: only counts).")
  boolean objects;

  @Option(names = "--json", description = "Print one JSON object (fields: docs/cli-json.md).")
  boolean json;

  /** {@code --json}: the inode; for a directory its statistics below, for a file its chunks. */
  record Json(String path, long inode, String type, int mode, int uid, int gid, long size, long nlink, Long files, Long dirs, Long space,
      List<ChunkJson> chunks, Long objects) {}

  record ChunkJson(int index, List<SliceJson> slices) {}

  /** One slice reference; {@code id} 0 is a hole; {@code keys} only with --objects. */
  record SliceJson(int pos, int len, long id, int off, int size, int objects, List<String> keys) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    String[] target = VolumeArgs.of(spec, args);
    String metaUrl = target[0];
    String path = target[1];
    DataOptions data = new DataOptions();
    data.cacheDirs = List.of("memory");
    try (Volume v = Volume.open(metaUrl, data.volumeOptions("info", true))) {
      FileSystem fs = v.fileSystem();
      FileSystem.Stat s = fs.stat(Ctx.ROOT, Names.unescape(path), false);
      Attr a = s.attr();
      if (json) {
        JsonOutput.print(out, json(v, s, Names.escape(Names.unescape(path))));
        return Cli.OK;
      }
      out.printf("%s:%n  inode: %d%n  type: %s%n  mode: %04o%n  uid/gid: %d/%d%n  size: %d (%s)%n  nlink: %d%n", Names.escape(Names.unescape(path)), s.ino(),
          a.type().name().toLowerCase(java.util.Locale.ROOT), a.mode(), a.uid(), a.gid(), a.length(), Sizes.format(a.length()), a.nlink());
      if (a.isDir()) {
        io.nectarfs.meta.DirStats st = new io.nectarfs.meta.MetaAdmin(v.meta()).summary(s.ino());
        out.printf("  below: %d file(s), %d dir(s), %s (from directory statistics, no scan)%n", st.files(), st.dirs(), Sizes.format(st.space()));
        return Cli.OK;
      }
      if (a.type() != FileType.FILE) {
        return Cli.OK;
      }
      int blockSize = v.format().blockSize();
      long chunkCount = (a.length() + Chunks.CHUNK_SIZE - 1) / Chunks.CHUNK_SIZE;
      long totalObjects = 0;
      out.printf("  chunks: %d%n", chunkCount);
      for (int i = 0; i < chunkCount; i++) {
        List<Slice> slices = v.meta().read(Ctx.ROOT, s.ino(), i);
        out.printf("  chunk %d: %d slice(s)%n", i, slices.size());
        for (Slice sl : slices) {
          int blocks = sl.inline() ? 0 : BlockKeys.blocks(sl.size(), blockSize);
          totalObjects += sl.id() == 0 ? 0 : blocks;
          out.printf("    pos %d len %d -> %s%n", sl.pos(), sl.len(), sl.id() == 0 ? "hole"
              : "slice " + (sl.id() & ~Slice.INLINE) + " [" + sl.off() + ", " + (sl.off() + sl.len()) + ") of " + sl.size() + " bytes, "
                  + (sl.inline() ? "inline in the metadata" : blocks + " object(s)"));
          if (objects && sl.id() != 0) {
            for (int b = 0; b < blocks; b++) {
              out.println("      " + BlockKeys.key(sl.id(), b, BlockKeys.blockLength(sl.size(), blockSize, b)));
            }
          }
        }
      }
      out.printf("  objects: %d%n", totalObjects);
    }
    return Cli.OK;
  }

  private Json json(Volume v, FileSystem.Stat s, String shown) throws java.io.IOException {
    Attr a = s.attr();
    String type = a.type().name().toLowerCase(java.util.Locale.ROOT);
    if (a.isDir()) {
      io.nectarfs.meta.DirStats st = new io.nectarfs.meta.MetaAdmin(v.meta()).summary(s.ino());
      return new Json(shown, s.ino(), type, a.mode(), a.uid(), a.gid(), a.length(), a.nlink(), st.files(), st.dirs(), st.space(), null, null);
    }
    if (a.type() != FileType.FILE) {
      return new Json(shown, s.ino(), type, a.mode(), a.uid(), a.gid(), a.length(), a.nlink(), null, null, null, null, null);
    }
    int blockSize = v.format().blockSize();
    long chunkCount = (a.length() + Chunks.CHUNK_SIZE - 1) / Chunks.CHUNK_SIZE;
    long total = 0;
    List<ChunkJson> chunks = new java.util.ArrayList<>();
    for (int i = 0; i < chunkCount; i++) {
      List<SliceJson> slices = new java.util.ArrayList<>();
      for (Slice sl : v.meta().read(io.nectarfs.common.Ctx.ROOT, s.ino(), i)) {
        int blocks = sl.id() == 0 || sl.inline() ? 0 : BlockKeys.blocks(sl.size(), blockSize);
        total += blocks;
        List<String> keys = null;
        if (objects && sl.id() != 0) {
          keys = new java.util.ArrayList<>();
          for (int b = 0; b < blocks; b++) {
            keys.add(BlockKeys.key(sl.id(), b, BlockKeys.blockLength(sl.size(), blockSize, b)));
          }
        }
        slices.add(new SliceJson(sl.pos(), sl.len(), sl.id(), sl.off(), sl.size(), blocks, keys));
      }
      chunks.add(new ChunkJson(i, slices));
    }
    return new Json(shown, s.ino(), type, a.mode(), a.uid(), a.gid(), a.length(), a.nlink(), null, null, null, chunks, total);
  }
}
