package io.nectarfs.meta.sql;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.meta.spi.MetaEngineProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code sqlite3:///absolute/path/volume.db[?options]}: the embedded engine (a relative path is
 * refused). The file is created 0600 and missing parent directories 0700, because the database
 * holds every name, symlink target and xattr of the volume; an existing database, WAL or shared
 * memory file readable by others is tightened to 0600 when opened (logged once). Options: {@code table-prefix}
 * (default {@code nectar_}), {@code busy-timeout} (milliseconds another process's write may block
 * us before the transaction counts as a conflict, default 5000), {@code synchronous} ({@code
 * normal}, the default, or {@code full}), {@code pool-size} (default 8).
 *
 * <p>Durability: with {@code normal} (the default) a commit is written to the WAL without an fsync:
 * it survives a crash of any process at once, and an operating-system crash or power loss once the
 * engine's {@link io.nectarfs.meta.kv.KvDurability} barrier ({@link WalSync}, one fsync of the WAL
 * shared by concurrent callers) ran; the file system calls it wherever it promises durability
 * (fsync, fsyncdir, O_SYNC writes, flush and close of written files, before deleting the objects
 * of freed slices). A power loss can so undo the last creates, renames or unlinks not followed by
 * an fsync, as on a local disk, never a part of one. {@code full} syncs every commit (each
 * metadata change durable when it returns, several times slower for small files).
 *
 * <p>Concurrency: the database runs in WAL mode, so readers never wait for the writer. Writers
 * open with {@code BEGIN IMMEDIATE}; in this JVM they first take a lock shared by every engine
 * open on the same file, so they queue instead of polling SQLite's busy handler.
 */
public final class SqliteMetaProvider implements MetaEngineProvider {
  static final String USAGE = "sqlite3:///absolute/path/volume.db[?table-prefix=...]";

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SqliteMetaProvider.class);
  private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");

  /** Per database file: the in-process write lock and how many engines use it. */
  private static final Map<Path, Shared> LOCKS = new HashMap<>();

  private static final class Shared {
    final ReentrantLock lock = new ReentrantLock(true);
    int users;
  }

  @Override
  public Set<String> schemes() {
    return Set.of("sqlite3");
  }

  @Override
  public TxnKv open(String raw, Secrets secrets) throws IOException {
    SqlUrl url = SqlUrl.file(raw, USAGE);
    String table = url.table();
    url.url().requireKnown(List.of("table-prefix", "pool-size", "busy-timeout", "synchronous"));
    // busy-timeout: a duration of the one grammar (5s); a bare number stays milliseconds, as it was.
    String busyRaw = url.options().getOrDefault("busy-timeout", "");
    int busy = busyRaw.matches("\\d{1,7}") ? url.intOption("busy-timeout", 5000, 0, 3_600_000)
        : (int) url.duration("busy-timeout", java.time.Duration.ofSeconds(5)).toMillis();
    int size = url.intOption("pool-size", Pools.DEFAULT_SIZE, 1, 64);
    String sync = url.options().getOrDefault("synchronous", "normal").toUpperCase(Locale.ROOT);
    if (!Set.of("FULL", "NORMAL", "EXTRA").contains(sync)) {
      throw new IOException("option synchronous=" + url.options().get("synchronous") + " in " + url.describe() + " must be full or normal");
    }
    Path file = Path.of(url.path()).toAbsolutePath().normalize();
    Path dir = file.getParent();
    try {
      createPrivateDirectories(dir);
    } catch (IOException e) {
      throw new IOException("cannot create directory " + dir + " for " + url.describe() + ": " + reason(e), e);
    }
    if (Files.isDirectory(file)) {
      throw new IOException("cannot open " + url.describe() + ": " + file + " is a directory");
    }
    try {
      makePrivate(file);
    } catch (IOException e) {
      throw new IOException("cannot create " + url.describe() + ": " + reason(e), e);
    }
    String jdbc = "jdbc:sqlite:" + file;
    Properties props = new Properties();
    props.setProperty("journal_mode", "WAL");
    props.setProperty("busy_timeout", Integer.toString(busy));
    props.setProperty("synchronous", sync);
    // The driver would otherwise run a regular expression over every update and query
    // last_insert_rowid() after each insert, for getGeneratedKeys(), which nothing here calls.
    props.setProperty("jdbc.get_generated_keys", "false");
    try (Connection c = Pools.connect(jdbc, props)) {
      Pools.createTable(c, Dialect.SQLITE, table, url);
    } catch (SQLException e) {
      throw new IOException("cannot open " + url.describe() + ": " + Failures.firstLine(e) + " — check that the file is a SQLite database and writable", e);
    }
    SqliteConnections pool = new SqliteConnections(jdbc, props, size);
    Shared shared;
    synchronized (LOCKS) {
      shared = LOCKS.computeIfAbsent(file, f -> new Shared());
      shared.users++;
    }
    Shared s = shared;
    // Clients in this JVM are notified in-process; other processes rely on the waiters' fallback re-check.
    io.nectarfs.meta.kv.LocalNotifier notifier = io.nectarfs.meta.kv.LocalNotifier.forName("sqlite3:" + file + "#" + table);
    WalSync barrier = new WalSync(file, !sync.equals("NORMAL"));
    return new NotifyingSqlKv(Dialect.SQLITE, pool, table, url, s.lock, () -> release(file, s), notifier, () -> {}, barrier);
  }

  /** Creates the missing directories of {@code dir}, each 0700 (existing ones are left alone). */
  private static void createPrivateDirectories(Path dir) throws IOException {
    java.util.ArrayDeque<Path> missing = new java.util.ArrayDeque<>();
    for (Path d = dir; d != null && !Files.exists(d); d = d.getParent()) {
      missing.push(d);
    }
    for (Path d : missing) {
      try {
        Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        continue; // created concurrently
      }
      Files.setPosixFilePermissions(d, PRIVATE_DIR);
    }
  }

  /**
   * Creates the database file 0600 when it does not exist (SQLite gives its WAL and shared-memory
   * files the database file's mode), or tightens an existing database and its WAL/SHM to 0600
   * when group or others have any access.
   */
  private static void makePrivate(Path file) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
      return;
    } catch (java.nio.file.FileAlreadyExistsException e) {
      // an existing database: check it and its companions below
    }
    for (String suffix : new String[] {"", "-wal", "-shm", "-journal"}) {
      Path p = file.resolveSibling(file.getFileName() + suffix);
      try {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
        if (perms.stream().anyMatch(x -> !PRIVATE_FILE.contains(x))) {
          Files.setPosixFilePermissions(p, PRIVATE_FILE);
          log.warn("{} was readable by other users (mode {}): tightened to 0600", p, PosixFilePermissions.toString(perms));
        }
      } catch (java.nio.file.NoSuchFileException e) {
        // no such companion file
      } catch (java.nio.file.AccessDeniedException | UnsupportedOperationException e) {
        log.warn("{} may be readable by other users and cannot be tightened (not its owner?): chmod 600 it", p);
      }
    }
  }

  private static void release(Path file, Shared s) {
    synchronized (LOCKS) {
      if (--s.users == 0) {
        LOCKS.remove(file, s);
      }
    }
  }

  private static String reason(IOException e) {
    String m = e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
    return e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : m + " " + e.getMessage();
  }
}
