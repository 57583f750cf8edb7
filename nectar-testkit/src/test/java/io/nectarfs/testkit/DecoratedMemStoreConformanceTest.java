package io.nectarfs.testkit;

import io.nectarfs.object.ObjectStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** The conformance suite on mem:// under every {@link StoreStacks} configuration. */
@ParameterizedClass(name = "mem:// {0}")
@MethodSource("stacks")
class DecoratedMemStoreConformanceTest extends ObjectStoreConformanceTest {
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
    String url = "mem://conformance-" + UUID.randomUUID() + "-%d";
    return StoreStacks.get(stack, url, tmp).open();
  }
}
