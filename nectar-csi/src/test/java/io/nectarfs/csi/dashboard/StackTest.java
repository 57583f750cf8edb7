package io.nectarfs.csi.dashboard;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A test class with its own {@link Stack}, synced before its first test and closed after its last. */
abstract class StackTest {
  static Stack stack;

  @BeforeAll
  static void startStack() throws Exception {
    stack = new Stack();
    stack.awaitSynced();
  }

  @AfterAll
  static void stopStack() throws Exception {
    if (stack != null) {
      stack.close();
      stack = null;
    }
  }
}
