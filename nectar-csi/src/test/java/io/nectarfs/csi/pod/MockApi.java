package io.nectarfs.csi.pod;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.HashMap;

/** The fabric8 mock API server in CRUD mode, started and stopped the same way by every test. */
final class MockApi {
  private MockApi() {}

  static KubernetesMockServer start() {
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.init();
    return server;
  }

  /**
   * Stops the server. Its shutdown waits a fixed few seconds for open watch connections to end and
   * then throws; on a busy machine that says nothing about the test, so it is only ignored here.
   */
  static void stop(KubernetesMockServer server) {
    try {
      server.destroy();
    } catch (IllegalStateException e) {
      if (!String.valueOf(e.getMessage()).contains("Unable to close MockWebServer")) {
        throw e;
      }
    }
  }
}
