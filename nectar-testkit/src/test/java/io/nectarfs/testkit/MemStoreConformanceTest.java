package io.nectarfs.testkit;

import io.nectarfs.common.Secrets;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

class MemStoreConformanceTest extends ObjectStoreConformanceTest {
  @Override
  protected ObjectStore openStore(Path tmp) throws IOException {
    return ObjectStores.registry().open("mem://", StoreOptions.raw(), new Secrets(Map.of()));
  }
}
