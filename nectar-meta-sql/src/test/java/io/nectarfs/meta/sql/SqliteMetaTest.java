package io.nectarfs.meta.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.KvConflictException;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.testkit.kv.KvFixture;
import io.nectarfs.testkit.meta.EngineConformance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Every engine suite ({@link EngineConformance}) on {@code sqlite3://} in a temp dir, and what is
 * particular to SQLite: other processes holding the write lock, table prefixes, file modes, paths.
 */
class SqliteMetaTest extends EngineConformance {
  static TxnKv open(String url) throws IOException {
    return MetaEngines.registry().open(url, new Secrets(Map.of()));
  }

  @Override
  protected TxnKv openEngine(String suite, Path tmp) throws IOException {
    return open("sqlite3://" + tmp.resolve("meta/volume.db"));
  }

  @Override
  protected boolean writersOverlap() {
    return false; // BEGIN IMMEDIATE: write transactions queue before they start
  }

  @Nested
  class SqliteOnly extends KvFixture {
    @Override
    public TxnKv openEngine(Path tmp) throws IOException {
      return SqliteMetaTest.this.openEngine("SqliteOnly", tmp);
    }

    @Test
    void anotherProcessHoldingTheWriteLock_isAConflict() throws Exception {
      Path db = tmp.resolve("meta/volume.db");
      try (TxnKv impatient = open("sqlite3://" + db + "?busy-timeout=100");
          Connection other = DriverManager.getConnection("jdbc:sqlite:" + db);
          Statement s = other.createStatement()) {
        s.execute("BEGIN IMMEDIATE"); // as another process would: outside this JVM's lock
        assertThatThrownBy(() -> impatient.txn(tx -> {
          tx.put(b(1), b(1));
          return null;
        })).isInstanceOf(KvConflictException.class).hasMessageContaining("conflicted on sqlite3://");
        s.execute("ROLLBACK");
        impatient.txn(tx -> {
          tx.put(b(1), b(1));
          return null;
        });
      }
      assertThat(value(kv, b(1))).containsExactly(1);
    }

    @Test
    void tablePrefix_keepsVolumesApart() throws IOException {
      Path db = tmp.resolve("meta/volume.db");
      try (TxnKv a = open("sqlite3://" + db + "?table-prefix=a_"); TxnKv other = open("sqlite3://" + db + "?table-prefix=b_")) {
        a.txn(tx -> {
          tx.put(b(1), b(1));
          return null;
        });
        assertThat(value(other, b(1))).isNull();
        assertThat(value(kv, b(1))).isNull();
      }
    }

    @Test
    void databaseFiles_arePrivate_wideOnesTightened_relativePathsRefused() throws IOException {
      Path db = tmp.resolve("fresh/dir/volume.db");
      try (TxnKv k = open("sqlite3://" + db)) {
        k.txn(tx -> {
          tx.put(b(1), b(1));
          return null;
        });
        for (String f : new String[] {"volume.db", "volume.db-wal", "volume.db-shm"}) {
          assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db.resolveSibling(f)))).as(f).isEqualTo("rw-------");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("fresh")))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db.getParent()))).isEqualTo("rwx------");
      }
      Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-r--r--"));
      open("sqlite3://" + db).close();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db))).isEqualTo("rw-------");
      assertThatThrownBy(() -> open("sqlite3://relative.db")).hasMessageContaining("must be absolute")
          .hasMessageContaining("use sqlite3://" + Path.of("relative.db").toAbsolutePath());
      assertThat(Path.of("relative.db")).doesNotExist();
    }

    @Test
    void unusablePaths_giveOneLineErrors() throws IOException {
      Path file = Files.writeString(tmp.resolve("plain-file"), "x");
      assertThatThrownBy(() -> open("sqlite3://" + file + "/sub/volume.db"))
          .hasMessageStartingWith("cannot create directory " + file + "/sub for sqlite3://")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
      Files.createDirectories(tmp.resolve("dir.db"));
      assertThatThrownBy(() -> open("sqlite3://" + tmp.resolve("dir.db"))).hasMessageContaining("is a directory");
      Path junk = Files.writeString(tmp.resolve("junk.db"), "this is not a database, just some text long enough to look like a header");
      assertThatThrownBy(() -> open("sqlite3://" + junk)).hasMessageStartingWith("cannot open sqlite3://" + junk)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
      assertThatThrownBy(() -> open("sqlite3://")).hasMessageContaining("no database file");
      assertThatThrownBy(() -> open("sqlite3://" + tmp.resolve("x.db") + "?table-prefix=bad;drop")).hasMessageContaining("table-prefix");
    }
  }
}
