package io.nectarfs.meta;

import io.nectarfs.common.Secrets;
import io.nectarfs.common.Uris;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.meta.spi.MetaEngineProvider;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * Finds metadata engines by URL scheme among the {@link MetaEngineProvider}s on the class path.
 * Providers are discovered once; two claiming one scheme is a start-up error. The scheme is
 * mandatory: there is no default engine.
 */
public final class MetaEngines {
  private final Map<String, MetaEngineProvider> byScheme;

  private MetaEngines(List<MetaEngineProvider> providers) {
    Map<String, MetaEngineProvider> m = new HashMap<>();
    for (MetaEngineProvider p : providers) {
      for (String s : p.schemes()) {
        MetaEngineProvider old = m.put(s, p);
        if (old != null) {
          throw new IllegalStateException("two metadata engines claim scheme '" + s + "': "
              + old.getClass().getName() + " and " + p.getClass().getName());
        }
      }
    }
    byScheme = Map.copyOf(m);
  }

  private static final class Holder {
    static final MetaEngines INSTANCE = new MetaEngines(
        ServiceLoader.load(MetaEngineProvider.class).stream().map(ServiceLoader.Provider::get).toList());
  }

  /** The engines on the class path. */
  public static MetaEngines registry() {
    return Holder.INSTANCE;
  }

  /** A registry of exactly these providers. */
  public static MetaEngines of(List<MetaEngineProvider> providers) {
    return new MetaEngines(providers);
  }

  public java.util.SortedSet<String> schemes() {
    return new TreeSet<>(byScheme.keySet());
  }

  /** Connects to the engine named by {@code url}. */
  public TxnKv open(String url, Secrets secrets) throws IOException {
    String scheme = Uris.scheme(url);
    if (scheme == null) {
      throw new IOException("'" + Uris.redact(url) + "' is not a metadata URL: use e.g. sqlite3:///path/nectar.db, redis://host:6379/1, postgres://user@host/db or mysql://user@host/db");
    }
    MetaEngineProvider p = byScheme.get(scheme);
    if (p == null) {
      throw new IOException("unknown metadata engine '" + scheme + "' in " + Uris.redact(url) + ": supported are " + String.join(", ", schemes()));
    }
    return p.open(url, secrets);
  }
}
