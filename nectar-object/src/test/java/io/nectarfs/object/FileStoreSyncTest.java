package io.nectarfs.object;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a {@link FileStore} put syncs: counted through its injectable directory syncer. */
class FileStoreSyncTest {
  @TempDir Path tmp;
  private final List<Path> synced = Collections.synchronizedList(new ArrayList<>());

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void firstPutIntoNewDirectories_syncsEachNewEntry_thenOnlyItsDirectory() throws IOException {
    FileStore s = new FileStore(tmp.resolve("root"), true, synced::add);
    Path root = tmp.resolve("root").toAbsolutePath().normalize();
    s.put("a/b/c", bytes("one"));
    assertThat(synced).containsExactly(root, root.resolve("a"), root.resolve("a/b"));
    synced.clear();
    s.put("a/b/d", bytes("two"));
    assertThat(synced).containsExactly(root.resolve("a/b")); // no mkdir, no sync of known parents
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("a/b/d")))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("a/b")))).isEqualTo("rwx------");
  }

  @Test
  void aNewKey_isRenamedIntoPlaceBeforeItsDataSync_thenItsDirectoryIsSynced() throws IOException {
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    FileStore s = recording(events);
    s.put("a/b", bytes("one"));
    events.clear();
    s.put("a/c", bytes("two"));
    // one journal commit for data, rename and directory, not one for the data and one for the rename
    assertThat(events).containsExactly("data a/c: the key holds two", "dir a");
    assertThat(s.getBytes("a/c")).isEqualTo(bytes("two"));
  }

  @Test
  void replacingAnObject_syncsTheNewDataBeforeTheRename_soAPowerLossLeavesOldOrNew() throws IOException {
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    FileStore s = recording(events);
    s.put("a/k", bytes("old"));
    events.clear();
    s.put("a/k", bytes("new"));
    assertThat(events).containsExactly("data a/k: the key holds old", "dir a");
    assertThat(s.getBytes("a/k")).isEqualTo(bytes("new"));
  }

  @Test
  void aPutWhoseDataSyncFailsAfterTheRename_leavesNoObjectAndNoTemporary() throws IOException {
    Path root = tmp.resolve("root").toAbsolutePath().normalize();
    FileStore s = new FileStore(root, true, synced::add, (ch, key) -> {
      throw new IOException("Input/output error (injected)");
    });
    assertThatThrownBy(() -> s.put("a/k", bytes("lost"))).isInstanceOf(IOException.class).hasMessageContaining("injected");
    assertThat(root.resolve("a/k")).doesNotExist();
    try (var left = Files.list(root.resolve(FileStore.TMP))) {
      assertThat(left).isEmpty();
    }
    assertThat(s.listAll("")).isEmpty();
  }

  @Test
  void aReplacingPutWhoseDataSyncFails_keepsTheOldObject() throws IOException {
    Path root = tmp.resolve("root").toAbsolutePath().normalize();
    new FileStore(root, true, synced::add).put("a/k", bytes("old"));
    FileStore s = new FileStore(root, true, synced::add, (ch, key) -> {
      throw new IOException("Input/output error (injected)");
    });
    assertThatThrownBy(() -> s.put("a/k", bytes("new"))).isInstanceOf(IOException.class).hasMessageContaining("injected");
    assertThat(s.getBytes("a/k")).isEqualTo(bytes("old"));
    try (var left = Files.list(root.resolve(FileStore.TMP))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void withoutFsync_nothingIsSynced() throws IOException {
    FileStore s = new FileStore(tmp.resolve("root"), false, synced::add);
    s.put("a/b/c", bytes("one"));
    assertThat(synced).isEmpty();
    assertThat(s.getBytes("a/b/c")).isEqualTo(bytes("one"));
  }

  @Test
  void putAfterADeleteRemovedItsKnownDirectory_makesItAgain() throws IOException {
    FileStore s = new FileStore(tmp.resolve("root"), true, synced::add);
    s.put("a/b/c", bytes("one"));
    s.delete("a/b/c"); // removes the empty a/b and a
    assertThat(tmp.resolve("root/a")).doesNotExist();
    synced.clear();
    s.put("a/b/d", bytes("two"));
    assertThat(s.getBytes("a/b/d")).isEqualTo(bytes("two"));
    Path root = tmp.resolve("root").toAbsolutePath().normalize();
    assertThat(synced).contains(root, root.resolve("a"), root.resolve("a/b")); // the new entries are durable again
  }

  @Test
  void concurrentPutsIntoOneDirectory_shareOneDirectoryFsync() throws Exception {
    Path root = tmp.resolve("root").toAbsolutePath().normalize();
    Path dir = root.resolve("d");
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(false);
    FileStore s = new FileStore(root, true, d -> {
      synced.add(d);
      if (d.equals(dir) && first.getAndSet(false)) {
        try {
          release.await(60, TimeUnit.SECONDS); // the first fsync is slow: the others arrive meanwhile
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    s.put("d/warm", bytes("w")); // the directory exists and is known
    first.set(true);
    synced.clear();
    Thread slow = Thread.ofPlatform().start(() -> put(s, "d/k0"));
    awaitTrue(() -> synced.contains(dir));
    List<Thread> others = new ArrayList<>();
    for (int i = 1; i <= 7; i++) {
      String key = "d/k" + i;
      others.add(Thread.ofPlatform().start(() -> put(s, key)));
    }
    // Each of the seven either waits for the running fsync or (without group commit) is done.
    awaitTrue(() -> others.stream().allMatch(t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TERMINATED));
    release.countDown();
    slow.join(60_000);
    for (Thread t : others) {
      t.join(60_000);
    }
    assertThat(synced).containsExactly(dir, dir); // the slow one's, then one for all seven
    for (int i = 0; i <= 7; i++) {
      assertThat(s.getBytes("d/k" + i)).isEqualTo(bytes("d/k" + i));
    }
  }

  /** A syncing store that records each directory sync and, at each data sync, what the key holds. */
  private FileStore recording(List<String> events) throws IOException {
    Path root = tmp.resolve("root").toAbsolutePath().normalize();
    return new FileStore(root, true, d -> events.add("dir " + root.relativize(d)), (ch, key) -> {
      Path p = root.resolve(key);
      events.add("data " + key + ": " + (Files.exists(p) ? "the key holds " + Files.readString(p) : "the key is absent"));
      ch.force(false);
    });
  }

  private static void put(FileStore s, String key) {
    try {
      s.put(key, bytes(key));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void awaitTrue(java.util.function.BooleanSupplier cond) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!cond.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 60 s").isLessThan(deadline);
      Thread.sleep(5);
    }
  }
}
