package io.nectarfs.object.s3;

import io.nectarfs.object.ObjectStore;
import io.nectarfs.testkit.ObjectStoreConformanceTest;
import io.nectarfs.testkit.StoreStacks;
import io.nectarfs.testkit.TestServices;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The conformance suite on the real S3 server under every decorator configuration; the sharded
 * one spreads over buckets {@code <test bucket>-0..2}, created on first use.
 */
@ParameterizedClass(name = "s3 {0}")
@MethodSource("stacks")
class DecoratedS3StoreConformanceTest extends ObjectStoreConformanceTest {
  @Parameter String stack;

  static List<String> stacks() {
    return StoreStacks.names();
  }

  @Override
  protected boolean expectsMultipart() {
    return StoreStacks.keepsMultipart(stack);
  }

  @Override
  protected ObjectStore openStore(Path tmp) throws IOException {
    String base = TestServices.require(TestServices.S3);
    int q = base.indexOf('?');
    String url = (q < 0 ? base : base.substring(0, q)) + "-%d?create-bucket=true&check-upload-id=true";
    return StoreStacks.get(stack, url, tmp).open();
  }
}
