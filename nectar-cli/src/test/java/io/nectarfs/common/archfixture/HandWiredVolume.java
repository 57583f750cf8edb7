package io.nectarfs.common.archfixture;

import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.chunk.ChunkStores;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.object.ObjectStore;
import java.io.IOException;

/** A deliberate violation of the wiring rule: a front end that assembles a volume by hand. Never run. */
public final class HandWiredVolume {
  private HandWiredVolume() {}

  static ChunkStore wire(TxnKv kv, ObjectStore store) throws IOException {
    MetaClient meta = MetaClient.open(kv, MetaConfig.defaults());
    meta.close();
    return ChunkStores.open(store, null);
  }
}
