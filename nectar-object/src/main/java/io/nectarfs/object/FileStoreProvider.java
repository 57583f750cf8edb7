package io.nectarfs.object;

import io.nectarfs.common.Secrets;
import io.nectarfs.common.Uris;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Set;

/** Opens {@link FileStore}s; see its Javadoc for the URL form. */
public final class FileStoreProvider implements ObjectStoreProvider {
  @Override
  public Set<String> schemes() {
    return Set.of("file");
  }

  @Override
  public ObjectStore open(String url, Secrets secrets) throws IOException {
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      throw new IOException("malformed storage URL " + Uris.redact(url) + ": " + e.getReason() + " (use file:///absolute/path)");
    }
    if (u.getAuthority() != null && !u.getAuthority().isEmpty()) {
      throw new IOException("malformed storage URL " + Uris.redact(url) + ": use file:///absolute/path (three slashes)");
    }
    String path = u.getPath();
    if (path == null || path.isEmpty() || !path.startsWith("/")) {
      throw new IOException("malformed storage URL " + Uris.redact(url) + ": use file:///absolute/path");
    }
    boolean fsync = true;
    String q = u.getQuery();
    if (q != null) {
      for (String kv : q.split("&")) {
        if (kv.equals("fsync=false") || kv.equals("fsync=0")) {
          fsync = false;
        } else if (kv.equals("fsync=true") || kv.equals("fsync=1")) {
          fsync = true;
        } else if (!kv.isEmpty()) {
          throw new IOException("unknown option '" + kv + "' in " + Uris.redact(url) + ": file:// takes only fsync=true|false");
        }
      }
    }
    return new FileStore(Path.of(path), fsync);
  }
}
