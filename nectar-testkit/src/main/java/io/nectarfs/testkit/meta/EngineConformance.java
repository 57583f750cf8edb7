package io.nectarfs.testkit.meta;

import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;

/**
 * Everything a metadata engine must pass, in one place: the key-value contract ({@link
 * io.nectarfs.testkit.kv.TxnKvContract}), every metadata conformance suite, the namespace and data
 * suites again under retryable faults ({@link RetryableFaults}), two clients racing under them
 * ({@link ConcurrentOpsSuite}), and the unknown-outcome suite ({@link UnknownOutcomeSuite}). An engine's test class extends this and supplies the hook, {@link
 * #openEngine(String, Path)}; it adds only what is particular to the engine.
 */
public abstract class EngineConformance {
  /**
   * Opens a connection to the store of one test. {@code suite} is the simple name of the nested
   * suite class (engines that keep suites apart by table or prefix derive the name from it), {@code
   * tmp} the test's own temporary directory (unique per test). Every call of one test with the same
   * arguments must reach the same store.
   */
  protected abstract TxnKv openEngine(String suite, Path tmp) throws IOException;

  /** False where write transactions queue before they start (memory, SQLite): two of them never conflict. */
  protected boolean writersOverlap() {
    return true;
  }

  /** False where a writer waits until a bulk read ends (memory). */
  protected boolean writersRunDuringBulkReads() {
    return true;
  }

  /** The password in the engine's URL, which no description may show (null: none). */
  protected String secretInUrl() {
    return null;
  }

  @Nested
  public class Engine extends io.nectarfs.testkit.kv.TxnKvContract {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }

    @Override
    protected boolean writersOverlap() {
      return EngineConformance.this.writersOverlap();
    }

    @Override
    protected String secretInUrl() {
      return EngineConformance.this.secretInUrl();
    }
  }

  @Nested
  public class Namespace extends NamespaceSuite {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }

  @Nested
  public class Data extends DataSuite {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }

  @Nested
  public class Inline extends InlineSuite {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }

  @Nested
  public class Append extends AppendSuite {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }

  @Nested
  public class Sessions extends SessionSuite {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }

  @Nested
  public class Trash extends TrashSuite {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }

  @Nested
  public class Model extends ModelSuite {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }

  @Nested
  public class Check extends CheckSuite {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }

  @Nested
  public class Permissions extends PermissionSuite {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }

  @Nested
  public class Acl extends AclSuite {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }

  @Nested
  public class Locks extends LockSuite {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }

  @Nested
  public class Quotas extends QuotaSuite {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }

  @Nested
  public class BulkRead extends BulkReadSuite {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }

    @Override
    protected boolean writersRunDuringBulkReads() {
      return EngineConformance.this.writersRunDuringBulkReads();
    }
  }

  @Nested
  public class NamespaceUnderFaults extends NamespaceSuite implements RetryableFaults {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }

  @Nested
  public class DataUnderFaults extends DataSuite implements RetryableFaults {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }

  @Nested
  public class ConcurrentOpsUnderFaults extends ConcurrentOpsSuite implements RetryableFaults {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }

  @Nested
  public class UnknownOutcome extends UnknownOutcomeSuite {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return EngineConformance.this.openEngine(getClass().getSimpleName(), tmp);
    }
  }
}
