package io.nectarfs.testkit.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Errno;
import io.nectarfs.meta.DirEntry;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.FileType;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.SessionInfo;
import io.nectarfs.meta.Slice;
import io.nectarfs.meta.kv.Bytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Format, sessions, open-unlinked files, crashed clients, limits and several clients at once. */
public abstract class SessionSuite extends MetaTestBase {

  @Test
  void format_isIdempotent_andRefusesIncompatibleChanges() throws IOException {
    Format f = meta.format();
    Format again = MetaClient.format(engine, f.withUuid("other-uuid"), false, clock);
    assertThat(again.uuid()).as("re-format keeps the identity").isEqualTo(f.uuid());
    Format bigger = Format.builder(f.name(), f.storage()).uuid(f.uuid()).blockSize(1 << 20).compression(f.compression()).checksum(false)
        .metaVersion(1).storageLayout(Format.LAYOUT_NAME).build();
    assertThatThrownBy(() -> MetaClient.format(engine, bigger, false, clock)).hasMessageContaining("block size").hasMessageContaining("--force");
    assertThat(MetaClient.format(engine, bigger, true, clock).blockSize()).isEqualTo(1 << 20);
    assertThat(MetaClient.format(engine, bigger.withTrashDays(3), false, clock).trashDays()).as("trash days are mutable").isEqualTo(3);
  }

  @Test
  void unformattedVolume_saysToRunFormat() throws IOException {
    engine.reset();
    assertThatThrownBy(() -> MetaClient.open(openEngine(tmp), config())).hasMessageContaining("nectar format");
    MetaClient.format(engine, newFormat(), false, clock); // for the consistency check
  }

  @Test
  void sessions_areRegisteredAndRemovedOnClose() throws IOException {
    MetaClient other = newClient();
    assertThat(meta.sessions()).extracting(SessionInfo::sid).contains(meta.sessionId(), other.sessionId());
    other.close();
    assertThat(meta.sessions()).extracting(SessionInfo::sid).containsExactly(meta.sessionId());
  }

  private SessionInfo sessionOf(MetaClient reader, long sid) throws IOException {
    return reader.sessions().stream().filter(s -> s.sid() == sid).findFirst().orElse(null);
  }

  @Test
  void adverts_areSeenByOtherSessions_surviveHeartbeats_andEndWithTheSession() throws Exception {
    Map<String, String> ad = Map.of("cache.group", "gpu-a", "cache.address", "10.0.0.7:7070", "cache.weight", "2");
    MetaClient member = newClient(config().withBackground(true)); // heartbeats every second
    member.advertise(ad);
    assertThat(sessionOf(meta, member.sessionId()).adverts()).as("seen by another session at once").isEqualTo(ad);
    assertThat(sessionOf(meta, meta.sessionId()).adverts()).as("a session that advertises nothing").isEmpty();

    long expiry = sessionOf(meta, member.sessionId()).expireMillis();
    clock.advance(Duration.ofSeconds(2)); // the next heartbeat writes a later expiry
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (sessionOf(meta, member.sessionId()).expireMillis() <= expiry) {
      assertThat(System.nanoTime()).as("a heartbeat within 60 s").isLessThan(deadline);
      Thread.sleep(20);
    }
    assertThat(sessionOf(meta, member.sessionId()).adverts()).as("after a heartbeat").isEqualTo(ad);

    member.advertise(Map.of("cache.group", "gpu-b"));
    assertThat(sessionOf(meta, member.sessionId()).adverts()).as("replaced").containsExactly(Map.entry("cache.group", "gpu-b"));
    long memberSid = member.sessionId();
    member.close();
    assertThat(sessionOf(meta, memberSid)).as("closed: gone with its adverts").isNull();

    MetaClient crashed = newClient();
    crashed.advertise(ad);
    clock.advance(Duration.ofSeconds(30)); // it stops heartbeating; the live client cleans it
    meta.runBackgroundJobs();
    assertThat(meta.sessions()).as("an expired session's adverts are gone with it").noneMatch(s -> s.sid() == crashed.sessionId())
        .allMatch(s -> s.adverts().isEmpty());
  }

  @Test
  void adverts_areLimitedInSize_andChecked() throws IOException {
    meta.advertise(Map.of("k", "v"));
    assertErrno(Errno.EINVAL, () -> meta.advertise(Map.of("big", "x".repeat(SessionInfo.MAX_ADVERT_BYTES))));
    assertThatThrownBy(() -> meta.advertise(Map.of("big", "x".repeat(SessionInfo.MAX_ADVERT_BYTES)))).hasMessageContaining("at most 4096");
    assertErrno(Errno.EINVAL, () -> meta.advertise(Map.of("", "v")));
    assertErrno(Errno.EINVAL, () -> meta.advertise(null));
    assertThat(sessionOf(meta, meta.sessionId()).adverts()).as("unchanged by refused calls").containsExactly(Map.entry("k", "v"));
    meta.advertise(Map.of("k", "x".repeat(SessionInfo.MAX_ADVERT_BYTES - 1))); // exactly the limit
    meta.advertise(Map.of());
    assertThat(sessionOf(meta, meta.sessionId()).adverts()).isEmpty();
  }

  @Test
  void sessionRecordsOfOlderAndNewerVersions_decode() throws IOException {
    long later = clock.nowMillis() + 3_600_000;
    // As clients before adverts wrote it, and as a later version might (a field this one does not know).
    String old = "{\"sid\":900001,\"expireMillis\":0,\"host\":\"old-host\",\"pid\":42,\"mountPoint\":\"/mnt/old\","
        + "\"version\":\"0.0.9\",\"startMillis\":1}";
    String newer = "{\"sid\":900002,\"expireMillis\":0,\"host\":\"new-host\",\"pid\":43,\"mountPoint\":\"/mnt/new\","
        + "\"version\":\"9.0\",\"startMillis\":2,\"adverts\":{\"a\":\"b\"},\"future\":[1,2]}";
    engine.txn(tx -> {
      tx.put(sessionKey(900001), sessionValue(later, old));
      tx.put(sessionKey(900002), sessionValue(later, newer));
      return null;
    });
    SessionInfo o = sessionOf(meta, 900001);
    assertThat(o.host()).isEqualTo("old-host");
    assertThat(o.expireMillis()).isEqualTo(later);
    assertThat(o.adverts()).isNotNull().isEmpty();
    assertThat(sessionOf(meta, 900002).adverts()).containsExactly(Map.entry("a", "b"));
    clock.advance(Duration.ofHours(2)); // both expire and are cleaned like any other
    meta.runBackgroundJobs();
    assertThat(meta.sessions()).extracting(SessionInfo::sid).containsExactly(meta.sessionId());
  }

  /** {@code S E sid}: the session key of the schema (io.nectarfs.meta.Keys). */
  private static byte[] sessionKey(long sid) {
    return Bytes.concat(new byte[] {'S', 'E'}, Bytes.u64(sid));
  }

  private static byte[] sessionValue(long expire, String json) {
    return Bytes.concat(Bytes.u64(expire), json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void unlinkedOpenFile_staysUntilLastClose() throws IOException {
    long f = file(ROOT, "f");
    long id = meta.newSliceId();
    meta.write(root, f, 0, new Slice(0, id, 10, 0, 10), 0);
    meta.open(root, f, 0);
    meta.open(root, f, 0);
    meta.unlink(root, ROOT, "f");
    assertThat(meta.getattr(root, f).nlink()).isZero();
    assertThat(meta.read(root, f, 0)).hasSize(1);
    meta.close(root, f);
    assertThat(meta.getattr(root, f).nlink()).isZero();
    meta.close(root, f);
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, f));
    meta.runBackgroundJobs();
    assertThat(deleter.freed()).containsExactly(id);
  }

  @Test
  void removedOrReplacedOpenDirectory_staysWithNlink0UntilLastClose() throws IOException {
    long d = meta.mkdir(root, ROOT, "d", 0755, 0).ino();
    meta.mkdir(root, ROOT, "other", 0755, 0);
    long gone = meta.mkdir(root, ROOT, "gone", 0755, 0).ino();
    meta.open(root, d, 0);
    meta.open(root, gone, 0);
    meta.rename(root, ROOT, "other", ROOT, "d", 0);
    meta.rmdir(root, ROOT, "gone");
    assertThat(meta.getattr(root, d).nlink()).isZero();
    assertThat(meta.getattr(root, d).isDir()).isTrue();
    assertThat(meta.getattr(root, gone).nlink()).isZero();
    assertThat(meta.check()).as("an open removed directory is consistent").isEmpty();
    meta.close(root, d);
    meta.close(root, gone);
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, d));
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, gone));
    // A client that crashes while holding one is cleaned like an open-unlinked file.
    MetaClient crashed = newClient();
    long c = meta.mkdir(root, ROOT, "c", 0755, 0).ino();
    crashed.open(root, c, 0);
    crashed.rmdir(root, ROOT, "c");
    assertThat(meta.getattr(root, c).nlink()).isZero();
    clock.advance(Duration.ofSeconds(30));
    meta.runBackgroundJobs();
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, c));
  }

  @Test
  void handedOverSession_isResumedByASuccessor_withItsUnlinkedFilesAndLocks() throws IOException {
    MetaClient old = newClient();
    long f = file(ROOT, "f");
    meta.write(root, f, 0, new Slice(0, meta.newSliceId(), 10, 0, 10), 0);
    old.open(root, f, 0);
    old.unlink(root, ROOT, "f");
    long g = file(ROOT, "g");
    old.open(root, g, 0);
    old.setlk(root, g, 7, io.nectarfs.meta.Meta.F_WRLCK, 0, 99, 111, false);
    long h = file(ROOT, "h");
    old.open(root, h, 0);
    old.flock(root, h, 9, io.nectarfs.meta.Meta.F_WRLCK, false);

    long sid = old.handOver();
    assertThat(sid).isEqualTo(old.sessionId());
    assertThat(old.isClosed()).isTrue();
    old.close(); // a no-op now: nothing released
    meta.runBackgroundJobs(); // not expired: not cleaned
    assertThat(meta.sessions()).extracting(SessionInfo::sid).contains(sid);
    assertThat(meta.getattr(root, f).nlink()).as("the unlinked file stays").isZero();
    assertErrno(Errno.EAGAIN, () -> meta.setlk(root, g, 8, io.nectarfs.meta.Meta.F_WRLCK, 0, 0, 222, false));

    MetaClient next = newClient(config().withResumeSession(sid));
    assertThat(next.sessionId()).isEqualTo(sid);
    assertThat(meta.sessions()).extracting(SessionInfo::sid).containsOnlyOnce(sid);
    for (long ino : new long[] {f, g, h}) {
      next.openCreated(ino); // as the VFS re-registers the handles it took over
    }
    assertThat(next.read(root, f, 0)).hasSize(1);
    assertErrno(Errno.EAGAIN, () -> meta.setlk(root, g, 8, io.nectarfs.meta.Meta.F_WRLCK, 0, 0, 222, false));
    assertErrno(Errno.EAGAIN, () -> meta.flock(root, h, 8, io.nectarfs.meta.Meta.F_RDLCK, false));
    next.releaseLocks(root, g, 7); // close(2) by the lock owner, now through the successor
    next.releaseLocks(root, h, 9);
    meta.setlk(root, g, 8, io.nectarfs.meta.Meta.F_WRLCK, 0, 0, 222, false);
    meta.flock(root, h, 8, io.nectarfs.meta.Meta.F_RDLCK, false);
    meta.releaseLocks(root, g, 8);
    meta.releaseLocks(root, h, 8);
    next.close(root, f); // the last close frees the unlinked file, as the predecessor's would have
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, f));
    next.close(root, g);
    next.close(root, h);
    next.close();
    assertThat(meta.sessions()).extracting(SessionInfo::sid).doesNotContain(sid);
    assertThatThrownBy(() -> newClient(config().withResumeSession(sid))).as("an ended session cannot be resumed")
        .hasMessageContaining("session " + sid + " cannot be resumed");
  }

  @Test
  void handedOverSession_thatNobodyResumes_expiresLikeACrashedOne() throws IOException {
    MetaClient old = newClient();
    long f = file(ROOT, "f");
    old.open(root, f, 0);
    old.unlink(root, ROOT, "f");
    long sid = old.handOver();
    clock.advance(Duration.ofSeconds(30));
    meta.runBackgroundJobs();
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, f));
    assertThatThrownBy(() -> newClient(config().withResumeSession(sid))).hasMessageContaining("expired and was cleaned");
    assertThatThrownBy(old::handOver).as("only once").isInstanceOf(IllegalStateException.class);
  }

  @Test
  void crashedClient_isCleanedByALiveOne() throws IOException {
    MetaClient crashed = newClient();
    long f = file(ROOT, "f");
    crashed.open(root, f, 0);
    crashed.unlink(root, ROOT, "f");
    assertThat(meta.getattr(root, f).nlink()).isZero();
    // The crashed client stops heartbeating; the live one keeps going.
    clock.advance(Duration.ofSeconds(30));
    meta.runBackgroundJobs();
    assertErrno(Errno.ENOENT, () -> meta.getattr(root, f));
    assertThat(meta.sessions()).extracting(SessionInfo::sid).doesNotContain(crashed.sessionId());
  }

  @Test
  void capacityAndInodeLimits_giveEnospc() throws IOException {
    MetaClient.updateFormat(engine, f -> f.withInodes(3).withCapacity(1 << 20));
    meta.close();
    meta = newClient();
    file(ROOT, "a");
    file(ROOT, "b");
    file(ROOT, "c");
    assertErrno(Errno.ENOSPC, () -> file(ROOT, "d"));
    long a = meta.lookup(root, ROOT, "a").ino();
    assertErrno(Errno.ENOSPC, () -> meta.write(root, a, 0, new Slice(0, 1, 2 << 20, 0, 2 << 20), 0));
  }

  @Test
  void twoClients_seeEachOthersChanges() throws IOException {
    MetaClient other = newClient();
    long d = mkdir(ROOT, "d");
    Entry e = other.mknod(root, d, "from-other", FileType.FILE, 0644, 0, 0);
    assertThat(meta.lookup(root, d, "from-other").ino()).isEqualTo(e.ino());
    meta.rename(root, d, "from-other", ROOT, "moved", 0);
    assertErrno(Errno.ENOENT, () -> other.lookup(root, d, "from-other"));
    assertThat(other.lookup(root, ROOT, "moved").ino()).isEqualTo(e.ino());
  }

  @Test
  void concurrentCreatesAndRenames_fromTwoClients_loseNothing() throws Exception {
    MetaClient other = newClient();
    long d = mkdir(ROOT, "d");
    int perThread = 40;
    try (ExecutorService ex = Executors.newFixedThreadPool(4)) {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        MetaClient c = t % 2 == 0 ? meta : other;
        int id = t;
        fs.add(ex.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            c.mknod(root, d, "t" + id + "-" + i, FileType.FILE, 0644, 0, 0);
            if (i % 2 == 0) {
              c.rename(root, d, "t" + id + "-" + i, d, "r" + id + "-" + i, 0);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    }
    List<DirEntry> all = meta.readdir(root, d, "", 10_000, false);
    assertThat(all).hasSize(4 * perThread);
    assertThat(all.stream().filter(e -> e.name().startsWith("r"))).hasSize(4 * perThread / 2);
    other.close();
    meta.close();
    meta = newClient();
    assertThat(meta.statfs(root, ROOT).usedInodes()).isEqualTo(4 * perThread + 1);
  }
}
