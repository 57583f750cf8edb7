package io.nectarfs.meta.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The server-side Lua scripts of {@link RedisTxn}: each validates the transaction's read set and,
 * only if every key read still holds what was read, reads more or commits, atomically (Redis runs
 * a script alone). Each is one round trip: EVALSHA, or EVAL on a server that does not know the
 * script yet (after a restart or SCRIPT FLUSH), which also caches it there.
 *
 * <h2>Calling convention, shared by all scripts</h2>
 *
 * {@code KEYS[1..n]} are the keys read so far and {@code ARGV[1] = n}, {@code ARGV[2..n+1]} what
 * each held: {@code "n"} (missing), {@code "v" + value}, or {@code "h" + sha1hex(value)} for long
 * values. A script whose check fails returns the integer 0 and changes nothing; one that passes
 * returns an array. Every key a script touches is passed in KEYS, except the values of members a
 * scan finds (their data keys are made from a prefix argument); all keys share the volume's hash
 * tag, so they live in one cluster slot.
 *
 * <p>Thread-safe: immutable.
 */
final class RedisScripts {
  private static final String CHECK = """
      local n = tonumber(ARGV[1])
      for i = 1, n do
        local v = redis.call('GET', KEYS[i])
        local e = ARGV[i + 1]
        local t = string.sub(e, 1, 1)
        if t == 'n' then
          if v then return 0 end
        elseif not v then
          return 0
        elseif t == 'v' then
          if v ~= string.sub(e, 2) then return 0 end
        elseif redis.sha1hex(v) ~= string.sub(e, 2) then
          return 0
        end
      end
      """;

  /** Check, then the values of {@code KEYS[n+1..]} (false where missing). */
  static final RedisScripts.Script READ = new Script(CHECK + """
      local out = {}
      for i = n + 1, #KEYS do
        out[#out + 1] = redis.call('GET', KEYS[i])
      end
      return out
      """);

  /**
   * Check, then values and whole small ranges: {@code ARGV[n+2]} = m, the number of values to read
   * ({@code KEYS[n+1..n+m]}), {@code ARGV[n+3]} = the most members a range may have,
   * {@code ARGV[n+4]} = the data-key prefix, then per range its ZRANGEBYLEX min and max, with
   * {@code KEYS} holding per range its partition's commit counter and sorted set. Returns the m
   * values, then per range {@code counter or "", count, member1, value1, ...} (members capped at
   * the limit; a range that reaches it may have more).
   */
  static final Script PREFETCH = new Script(CHECK + """
      local m = tonumber(ARGV[n + 2])
      local limit = tonumber(ARGV[n + 3])
      local out = {}
      for i = n + 1, n + m do
        out[#out + 1] = redis.call('GET', KEYS[i])
      end
      local k, a = n + m + 1, n + 5
      while k <= #KEYS do
        out[#out + 1] = redis.call('GET', KEYS[k]) or ''
        local members = redis.call('ZRANGEBYLEX', KEYS[k + 1], ARGV[a], ARGV[a + 1], 'LIMIT', 0, limit)
        out[#out + 1] = #members
        for _, mb in ipairs(members) do
          out[#out + 1] = mb
          out[#out + 1] = redis.call('GET', ARGV[n + 4] .. mb)
        end
        k = k + 2
        a = a + 2
      end
      return out
      """);

  /**
   * Check, then one page of a partition: {@code KEYS[n+1]} its commit counter, {@code KEYS[n+2]} its
   * sorted set; {@code ARGV[n+2..n+5]} = min, max (ZRANGEBYLEX bounds), count, data-key prefix.
   * Returns {@code {counter or "", count of members, member1, value1, member2, value2, ...}}.
   */
  static final Script SCAN = new Script(CHECK + """
      local c = redis.call('GET', KEYS[n + 1]) or ''
      local members = redis.call('ZRANGEBYLEX', KEYS[n + 2], ARGV[n + 2], ARGV[n + 3], 'LIMIT', 0, tonumber(ARGV[n + 4]))
      local out = {c, #members}
      for _, m in ipairs(members) do
        out[#out + 1] = m
        out[#out + 1] = redis.call('GET', ARGV[n + 5] .. m)
      end
      return out
      """);

  /**
   * Check, then one page of partition names: {@code KEYS[n+1]} the counter of the set of
   * partitions, {@code KEYS[n+2]} that set; {@code ARGV[n+2..n+4]} = min, max, count. Returns
   * {@code {counter or "", name1, name2, ...}}.
   */
  static final Script PARTITIONS = new Script(CHECK + """
      local c = redis.call('GET', KEYS[n + 1]) or ''
      local out = {c}
      for _, p in ipairs(redis.call('ZRANGEBYLEX', KEYS[n + 2], ARGV[n + 2], ARGV[n + 3], 'LIMIT', 0, tonumber(ARGV[n + 4]))) do
        out[#out + 1] = p
      end
      return out
      """);

  /**
   * Check, then apply the writes. After the check's keys: {@code KEYS[n+1]} the set of partitions,
   * {@code KEYS[n+2]} its counter, then per write its data key and its partition's set, then the
   * counters to increment once each (partitions written, first-byte versions). {@code ARGV[n+2]} =
   * number of writes; then per write: "s" (set) or "d" (delete), the member, the partition, the
   * value ("" for a delete). Returns an empty array.
   */
  static final Script COMMIT = new Script(CHECK + """
      local pk, pc = KEYS[n + 1], KEYS[n + 2]
      local w = tonumber(ARGV[n + 2])
      local k, a = n + 3, n + 3
      for _ = 1, w do
        local dk, ik = KEYS[k], KEYS[k + 1]
        local member, part = ARGV[a + 1], ARGV[a + 2]
        if ARGV[a] == 's' then
          redis.call('SET', dk, ARGV[a + 3])
          redis.call('ZADD', ik, 0, member)
          if redis.call('ZADD', pk, 0, part) == 1 then redis.call('INCR', pc) end
        else
          redis.call('DEL', dk)
          redis.call('ZREM', ik, member)
          if redis.call('ZCARD', ik) == 0 and redis.call('ZREM', pk, part) == 1 then redis.call('INCR', pc) end
        end
        k = k + 2
        a = a + 4
      end
      for i = k, #KEYS do
        redis.call('INCR', KEYS[i])
      end
      return {}
      """);

  /** One script: its text and SHA-1. */
  static final class Script {
    private final byte[] text;
    private final byte[] sha;

    Script(String text) {
      this.text = text.getBytes(StandardCharsets.UTF_8);
      try {
        this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(this.text)).getBytes(StandardCharsets.US_ASCII);
      } catch (NoSuchAlgorithmException e) {
        throw new AssertionError(e);
      }
    }

    /** Runs the script: EVALSHA, or EVAL when the server does not have it cached. */
    Object run(Jedis j, List<byte[]> keys, List<byte[]> args) {
      try {
        return j.evalsha(sha, keys, args);
      } catch (JedisNoScriptException e) {
        return j.eval(text, keys, args);
      }
    }
  }

  private RedisScripts() {}
}
