package io.nectarfs.testkit;

import io.nectarfs.object.ObjectStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** The conformance suite on file:// under every {@link StoreStacks} configuration. */
@ParameterizedClass(name = "file:// {0}")
@MethodSource("stacks")
class DecoratedFileStoreConformanceTest extends ObjectStoreConformanceTest {
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
    return StoreStacks.get(stack, "file://" + tmp.resolve("b%d"), tmp).open();
  }
}
