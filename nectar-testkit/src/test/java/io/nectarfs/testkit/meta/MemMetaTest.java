package io.nectarfs.testkit.meta;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.kv.TxnKvContract;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Nested;

/** The key-value contract and the metadata conformance suites on the in-memory engine. */
class MemMetaTest {
  interface MemEngine extends MetaEngineHook {
    String NAME = "conformance";

    @Override
    default TxnKv openEngine(Path tmp) throws IOException {
      // One store per test: the temp dir's name is unique per test.
      return MetaEngines.registry().open("mem://" + tmp.getFileName() + "-" + NAME, new Secrets(Map.of()));
    }
  }

  @Nested
  class Engine extends TxnKvContract implements MemEngine {
    @Override
    protected boolean writersOverlap() {
      return false; // a write transaction holds the store's write lock from start to commit
    }
  }

  @Nested
  class Namespace extends NamespaceSuite implements MemEngine {}

  @Nested
  class NamespaceUnderFaults extends NamespaceSuite implements MemEngine, RetryableFaults {}

  @Nested
  class UnknownOutcome extends UnknownOutcomeSuite implements MemEngine {}

  @Nested
  class DataUnderFaults extends DataSuite implements MemEngine, RetryableFaults {}

  @Nested
  class Data extends DataSuite implements MemEngine {}

  @Nested
  class Append extends AppendSuite implements MemEngine {}

  @Nested
  class Sessions extends SessionSuite implements MemEngine {}

  @Nested
  class Trash extends TrashSuite implements MemEngine {}

  @Nested
  class Model extends ModelSuite implements MemEngine {}

  @Nested
  class Check extends CheckSuite implements MemEngine {}

  @Nested
  class Permissions extends PermissionSuite implements MemEngine {}

  @Nested
  class Acl extends AclSuite implements MemEngine {}

  @Nested
  class Locks extends LockSuite implements MemEngine {}

  @Nested
  class Quotas extends QuotaSuite implements MemEngine {}

  @Nested
  class BulkRead extends BulkReadSuite implements MemEngine {
    @Override
    protected boolean writersRunDuringBulkReads() {
      return false; // writers wait for the read lock
    }
  }

  @Nested
  class AppendUnderFaults extends AppendSuite implements MemEngine, RetryableFaults {}

  @Nested
  class SessionsUnderFaults extends SessionSuite implements MemEngine, RetryableFaults {}

  @Nested
  class TrashUnderFaults extends TrashSuite implements MemEngine, RetryableFaults {}

  @Nested
  class ModelUnderFaults extends ModelSuite implements MemEngine, RetryableFaults {}

  @Nested
  class CheckUnderFaults extends CheckSuite implements MemEngine, RetryableFaults {}

  @Nested
  class PermissionsUnderFaults extends PermissionSuite implements MemEngine, RetryableFaults {}

  @Nested
  class AclUnderFaults extends AclSuite implements MemEngine, RetryableFaults {}

  @Nested
  class LocksUnderFaults extends LockSuite implements MemEngine, RetryableFaults {}

  @Nested
  class QuotasUnderFaults extends QuotaSuite implements MemEngine, RetryableFaults {}

  static String unique() {
    return UUID.randomUUID().toString();
  }
}
