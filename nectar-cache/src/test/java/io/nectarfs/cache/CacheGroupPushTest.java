package io.nectarfs.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.chunk.ChunkConfig;
import io.nectarfs.chunk.ChunkStore;
import io.nectarfs.chunk.ChunkStores;
import io.nectarfs.common.Clock;
import io.nectarfs.common.Metrics;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaConfig;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Members tell each other when they join and leave, so the others' rings change at once, not at
 * their next periodic refresh (here an hour away: only the push can make these tests pass).
 */
class CacheGroupPushTest {
  private static final Secrets SECRETS = new Secrets(Map.of(GroupKey.TOKEN_VARIABLE, "push-token"));

  private static void await(String what, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (!cond.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  private record Joined(CacheGroup group, MetaClient meta, ChunkStore chunks) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      group.close();
      chunks.close();
      meta.close();
    }
  }

  private static Joined join(String url) throws Exception {
    MetaClient meta = MetaClient.open(MetaEngines.registry().open(url, SECRETS), MetaConfig.defaults().withBackground(false));
    ChunkStore chunks = ChunkStores.open(ObjectStores.registry().open("mem://", StoreOptions.defaults(), SECRETS), ChunkConfig.inMemory(1 << 20));
    CacheGroup g = CacheGroup.create(CacheGroup.Options.consumer("push").serving(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1")
        .withTimeouts(Duration.ofSeconds(30), Duration.ofHours(1)), Metrics.create());
    g.start(meta, chunks, SECRETS);
    return new Joined(g, meta, chunks);
  }

  @Test
  void aMemberThatJoinsOrLeaves_isSeenByTheOthersAtOnce() throws Exception {
    String url = "mem://cache-group-push-" + System.nanoTime();
    try (TxnKv kv = MetaEngines.registry().open(url, SECRETS)) {
      Format f = Format.fromJson("{\"name\":\"push-vol\",\"uuid\":\"" + UUID.randomUUID() + "\",\"storage\":\"mem://push\","
          + "\"blockSize\":1048576,\"compression\":\"none\",\"metaVersion\":" + Format.META_VERSION + "}");
      MetaClient.format(kv, f, false, Clock.SYSTEM);
    }
    try (Joined a = join(url)) {
      assertThat(a.group().members()).hasSize(1);
      try (Joined b = join(url)) {
        assertThat(b.group().members()).as("a newcomer reads the membership as it starts").hasSize(2);
        await("the first member sees the second join", () -> a.group().members().size() == 2);
        try (Joined c = join(url)) {
          await("both see the third join", () -> a.group().members().size() == 3 && b.group().members().size() == 3);
        }
        await("both see the third leave", () -> a.group().members().size() == 2 && b.group().members().size() == 2);
        assertThat(a.group().members()).extracting(Member::id).containsExactlyInAnyOrderElementsOf(
            b.group().members().stream().map(Member::id).toList());
      }
      await("the first sees the second leave", () -> a.group().members().size() == 1);
      assertThat(a.group().members()).extracting(Member::id).isEqualTo(List.of(a.group().self()));
    }
  }
}
