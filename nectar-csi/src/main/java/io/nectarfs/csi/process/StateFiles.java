package io.nectarfs.csi.process;

import io.nectarfs.csi.mount.MountSpec;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Properties;

/**
 * The process mounter's records, one 0600 file per key in a 0700 directory: the mount spec
 * (secrets included: the child needs them again after a node plugin restart), mount point, child
 * pid and references. Each write replaces the file atomically. Callers serialise per key.
 */
final class StateFiles {
  record Record(String key, MountSpec spec, Path mountPoint, long pid, Set<String> refs) {}

  private final Path dir;

  StateFiles(Path dir) throws IOException {
    this.dir = privateDir(dir);
  }

  static Path privateDir(Path d) throws IOException {
    Files.createDirectories(d);
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
    return d;
  }

  static Path privateFile(Path f) throws IOException {
    if (!Files.exists(f)) {
      Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  void write(String key, MountSpec spec, Path mountPoint, long pid, Set<String> refs) throws IOException {
    Properties p = new Properties();
    p.setProperty("key", key);
    p.setProperty("volumeName", spec.volumeName());
    p.setProperty("mountPoint", mountPoint.toString());
    p.setProperty("pid", Long.toString(pid));
    p.setProperty("options", String.join("\n", spec.options()));
    p.setProperty("refs", String.join("\n", refs));
    spec.secrets().forEach((k, v) -> p.setProperty("secret." + k, v));
    spec.parameters().forEach((k, v) -> p.setProperty("param." + k, v));
    Path tmp = Files.createTempFile(dir, key, ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      p.store(w, "nectar csi process mounter: secrets inside, keep 0600");
    }
    Files.move(tmp, dir.resolve(key + ".mount"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  void delete(String key) throws IOException {
    Files.deleteIfExists(dir.resolve(key + ".mount"));
  }

  List<Record> readAll() throws IOException {
    List<Record> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.mount")) {
      for (Path f : ds) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
          p.load(r);
        }
        Map<String, String> secrets = new HashMap<>();
        Map<String, String> params = new HashMap<>();
        for (String n : p.stringPropertyNames()) {
          if (n.startsWith("secret.")) {
            secrets.put(n.substring(7), p.getProperty(n));
          } else if (n.startsWith("param.")) {
            params.put(n.substring(6), p.getProperty(n));
          }
        }
        String key = p.getProperty("key");
        List<String> options = split(p.getProperty("options", ""));
        MountSpec spec = new MountSpec(key, p.getProperty("volumeName", key), secrets, options, params);
        out.add(new Record(key, spec, Path.of(p.getProperty("mountPoint")), Long.parseLong(p.getProperty("pid", "0")),
            new LinkedHashSet<>(split(p.getProperty("refs", "")))));
      }
    }
    return out;
  }

  private static List<String> split(String s) {
    return s.isEmpty() ? List.of() : Arrays.asList(s.split("\n"));
  }
}
