package io.nectarfs.object.s3;

import io.nectarfs.common.Secrets;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import io.nectarfs.testkit.ObjectStoreConformanceTest;
import io.nectarfs.testkit.TestServices;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The object store contract on a real S3 server (S3Proxy from scripts/services.sh), raw. S3Proxy
 * accepts parts for unknown upload ids, so the store checks them ({@code check-upload-id=true}).
 */
class S3StoreConformanceTest extends ObjectStoreConformanceTest {
  @Override
  protected ObjectStore openStore(Path tmp) throws IOException {
    return ObjectStores.registry().open(withOption(TestServices.require(TestServices.S3), "check-upload-id=true"), StoreOptions.raw(), new Secrets(Map.of()));
  }

  static String withOption(String url, String option) {
    return url + (url.indexOf('?') < 0 ? "?" : "&") + option;
  }
}
