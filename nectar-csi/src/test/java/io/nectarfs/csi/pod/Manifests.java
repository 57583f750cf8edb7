package io.nectarfs.csi.pod;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Loads Kubernetes YAML (several documents a file) into the fabric8 model, typed by kind. */
final class Manifests {
  private final List<HasMetadata> objects;

  private Manifests(List<HasMetadata> objects) {
    this.objects = List.copyOf(objects);
  }

  /** The deploy/ directory of the source tree (tests run in the module directory). */
  static Path deployDir() {
    Path p = Path.of("..", "deploy").toAbsolutePath().normalize();
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException("no deploy directory at " + p);
    }
    return p;
  }

  /** Every {@code *.yaml} file under {@code dir}, in name order. */
  static Manifests load(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    List<String> docs = new ArrayList<>();
    for (Path f : files) {
      docs.add(Files.readString(f));
    }
    return parse(docs);
  }

  /** Parses documents; each text may hold several separated by {@code ---} lines. */
  static Manifests parse(List<String> texts) {
    List<HasMetadata> out = new ArrayList<>();
    for (String text : texts) {
      for (String doc : text.split("(?m)^---\\s*$")) {
        if (doc.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))) {
          continue;
        }
        HasMetadata o = Serialization.unmarshal(doc);
        if (o instanceof GenericKubernetesResource g) {
          throw new IllegalArgumentException("not a known kind: " + g.getKind() + " " + g.getMetadata().getName());
        }
        out.add(o);
      }
    }
    return new Manifests(out);
  }

  List<HasMetadata> all() {
    return objects;
  }

  <T extends HasMetadata> List<T> of(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
    return of(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
  }

  <T extends HasMetadata> T get(Class<T> type, String name) {
    return find(type, name).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }
}
