package io.nectarfs.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** The {@code META-URL PATH | MOUNT-PATH} arguments of commands that look at one path of a volume. */
final class VolumeArgs {
  private VolumeArgs() {}

  /** {@code {metaUrl, escaped path in the volume}}: from the two arguments, or from the mount that holds the one local path. */
  static String[] of(CommandSpec spec, List<String> args) throws IOException {
    if (args.size() == 2) {
      return new String[] {args.get(0), args.get(1)};
    }
    if (args.getFirst().contains("://")) {
      throw new ParameterException(spec.commandLine(), "give a PATH inside the volume after " + args.getFirst() + " (e.g. /), or a path in a running mount");
    }
    MountedVolume v = MountedVolume.of(Path.of(args.getFirst()));
    return new String[] {v.metaUrl(), v.path()};
  }
}
