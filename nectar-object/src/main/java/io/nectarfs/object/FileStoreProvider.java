package io.nectarfs.object;

import io.nectarfs.common.Secrets;
import io.nectarfs.common.Url;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** Opens {@link FileStore}s; see its Javadoc for the URL form. */
public final class FileStoreProvider implements ObjectStoreProvider {
  @Override
  public Set<String> schemes() {
    return Set.of("file");
  }

  @Override
  public ObjectStore open(String url, Secrets secrets) throws IOException {
    Url u = Url.parsePath(url, "malformed storage URL", "use file:///absolute/path");
    if (!u.path().startsWith("/")) {
      throw u.error("use file:///absolute/path (three slashes)");
    }
    u.requireKnown(List.of("fsync"));
    return new FileStore(Path.of(u.path()), u.flag("fsync", true));
  }
}
