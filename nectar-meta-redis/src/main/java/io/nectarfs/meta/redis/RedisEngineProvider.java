package io.nectarfs.meta.redis;

import io.nectarfs.common.Secrets;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.meta.spi.MetaEngineProvider;
import java.io.IOException;
import java.util.Set;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/**
 * Opens Redis metadata engines: {@code redis://[[user]:password@]host[:port][/db][?prefix=name]}
 * and {@code rediss://…} for TLS (see {@link RedisUrl} for the options and {@link RedisLayout} for
 * what is stored). Without a password in the URL, {@code META_PASSWORD} or {@code
 * META_PASSWORD_FILE} supplies it.
 *
 * <p>Opening connects once, so an unreachable server, a wrong password or a missing database is
 * reported at once, as one line naming the redacted URL. It warns (once per server) when the
 * server's {@code maxmemory-policy} is not {@code noeviction}, because eviction loses metadata.
 */
public final class RedisEngineProvider implements MetaEngineProvider {
  /** Public no-arg constructor for {@link java.util.ServiceLoader}. */
  public RedisEngineProvider() {}

  @Override
  public Set<String> schemes() {
    return Set.of("redis", "rediss");
  }

  @Override
  public TxnKv open(String url, Secrets secrets) throws IOException {
    RedisUrl u = RedisUrl.parse(url);
    String password = u.password() != null ? u.password() : secrets.get("META_PASSWORD").orElse(null);
    DefaultJedisClientConfig config = DefaultJedisClientConfig.builder()
        .user(u.user())
        .password(password)
        .database(u.db())
        .ssl(u.tls())
        .connectionTimeoutMillis((int) u.connectTimeout().toMillis())
        .socketTimeoutMillis((int) u.timeout().toMillis())
        .clientName("nectarfs")
        // CLIENT SETINFO needs Redis 7.2; older servers would answer each new connection with an error.
        .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
        .build();
    GenericObjectPoolConfig<Jedis> pc = new GenericObjectPoolConfig<>();
    pc.setMaxTotal(u.maxConnections());
    pc.setMaxIdle(u.maxConnections());
    pc.setMinIdle(0);
    pc.setBlockWhenExhausted(true);
    pc.setMaxWait(u.timeout());
    pc.setJmxEnabled(false);
    HostAndPort address = new HostAndPort(u.host(), u.port());
    JedisPool pool = new JedisPool(pc, address, config);
    // Pub/sub needs a connection of its own that blocks in SUBSCRIBE without a read timeout.
    DefaultJedisClientConfig subscriber = DefaultJedisClientConfig.builder().user(u.user()).password(password).database(u.db()).ssl(u.tls())
        .connectionTimeoutMillis((int) u.connectTimeout().toMillis()).socketTimeoutMillis(0).clientName("nectarfs-events")
        .clientSetInfoConfig(ClientSetInfoConfig.DISABLED).build();
    RedisKv kv = new RedisKv(u, pool, new RedisErrors(u, password), () -> new Jedis(address, subscriber));
    try {
      kv.check();
    } catch (IOException | RuntimeException e) {
      kv.close();
      throw e;
    }
    return kv;
  }
}
