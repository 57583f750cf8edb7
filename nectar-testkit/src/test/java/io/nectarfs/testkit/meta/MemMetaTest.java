package io.nectarfs.testkit.meta;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Nested;

/**
 * Every engine suite ({@link EngineConformance}) on the in-memory engine, and, because it is cheap
 * here, every other metadata suite under retryable faults too, and the unknown-outcome suite with
 * the trash on.
 */
class MemMetaTest extends EngineConformance {
  /** One store per test and suite: the temp dir's name is unique per test. */
  static TxnKv open(String suite, Path tmp) throws IOException {
    return MetaEngines.registry().open("mem://" + tmp.getFileName() + "-" + suite, new Secrets(Map.of()));
  }

  @Override
  protected TxnKv openEngine(String suite, Path tmp) throws IOException {
    return open(suite, tmp);
  }

  @Override
  protected boolean writersOverlap() {
    return false; // a write transaction holds the store's write lock from start to commit
  }

  @Override
  protected boolean writersRunDuringBulkReads() {
    return false; // writers wait for the read lock
  }

  interface Mem extends MetaEngineHook {
    @Override
    default TxnKv openEngine(Path tmp) throws IOException {
      return open("more", tmp);
    }
  }

  interface MemUnderFaults extends Mem, RetryableFaults {}

  @Nested
  class Trees extends TreeSuite implements Mem {}

  @Nested
  class AppendUnderFaults extends AppendSuite implements MemUnderFaults {}

  @Nested
  class SessionsUnderFaults extends SessionSuite implements MemUnderFaults {}

  @Nested
  class TrashUnderFaults extends TrashSuite implements MemUnderFaults {}

  @Nested
  class ModelUnderFaults extends ModelSuite implements MemUnderFaults {}

  @Nested
  class CheckUnderFaults extends CheckSuite implements MemUnderFaults {}

  @Nested
  class PermissionsUnderFaults extends PermissionSuite implements MemUnderFaults {}

  @Nested
  class AclUnderFaults extends AclSuite implements MemUnderFaults {}

  @Nested
  class LocksUnderFaults extends LockSuite implements MemUnderFaults {}

  @Nested
  class UnknownOutcomeWithTrash extends UnknownOutcomeSuite implements Mem {
    @Override
    protected int trashDays() {
      return 1;
    }
  }

  @Nested
  class QuotasUnderFaults extends QuotaSuite implements MemUnderFaults {}
}
