package io.nectarfs.csi;

import io.nectarfs.csi.mount.MountSpec;
import io.nectarfs.csi.mount.Mounter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** A mounter whose "mount" of a key is a plain directory: for the node service's own logic. Synchronized. */
final class FakeMounter implements Mounter {
  final Path root;
  final Map<String, Set<String>> refs = new HashMap<>();
  final Map<String, MountSpec> specs = new HashMap<>();
  RemountListener listener;

  FakeMounter(Path root) {
    this.root = root;
  }

  @Override
  public synchronized Path acquire(MountSpec spec, String ref) throws IOException {
    Path mp = Files.createDirectories(root.resolve(spec.key()));
    refs.computeIfAbsent(spec.key(), k -> new HashSet<>()).add(ref);
    specs.put(spec.key(), spec);
    return mp;
  }

  @Override
  public synchronized void release(String key, String ref) {
    Set<String> r = refs.get(key);
    if (r != null && r.remove(ref) && r.isEmpty()) {
      refs.remove(key);
    }
  }

  @Override
  public synchronized Set<String> references(String key) {
    return Set.copyOf(refs.getOrDefault(key, Set.of()));
  }

  @Override
  public synchronized void onRemount(RemountListener l) {
    listener = l;
  }

  @Override
  public void close() {}
}
