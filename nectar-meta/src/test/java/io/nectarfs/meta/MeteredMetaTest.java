package io.nectarfs.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Latency;
import io.nectarfs.common.Errno;
import io.nectarfs.common.Metrics;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link MeteredMeta}: every {@link Meta} method is forwarded (none falls back to a default), each
 * namespace operation is timed under its snake_case name, and only engine failures count as errors.
 */
class MeteredMetaTest {
  /** Methods that configure or end the client rather than operate on the namespace: forwarded, not timed. */
  private static final Set<String> UNTIMED = Set.of("format", "describe", "sessionId", "onSliceFreed", "runBackgroundJobs", "close", "openCreated",
      "handOver");

  private final Metrics metrics = Metrics.create();
  private final List<String> forwarded = new ArrayList<>();
  private Throwable toThrow;

  private final Meta recorder = (Meta) Proxy.newProxyInstance(Meta.class.getClassLoader(), new Class<?>[] {Meta.class}, (p, m, args) -> {
    forwarded.add(m.getName());
    if (toThrow != null) {
      throw toThrow;
    }
    return defaultValue(m.getReturnType());
  });

  private final Meta metered = new MeteredMeta(recorder, "mem", metrics);

  @Test
  void everyMethod_isForwarded_andEveryOperationTimedUnderItsName() throws Exception {
    List<Method> methods = Arrays.stream(Meta.class.getMethods())
        .filter(m -> !Modifier.isStatic(m.getModifiers())).toList();
    assertThat(methods).hasSizeGreaterThan(40);
    for (Method m : methods) {
      assertThat(MeteredMeta.class.getDeclaredMethod(m.getName(), m.getParameterTypes()).getDeclaringClass())
          .as("%s is overridden", m.getName()).isEqualTo(MeteredMeta.class);
      forwarded.clear();
      long before = timings();
      invoke(m);
      assertThat(forwarded).as("%s reaches the client below", m.getName()).containsExactly(m.getName());
      if (UNTIMED.contains(m.getName()) && (!m.getName().equals("close") || m.getParameterCount() == 0)) {
        assertThat(timings()).as("%s is not an operation", m.getName()).isEqualTo(before);
      } else {
        Latency t = metrics.findLatency("nectar_meta_op", "op", snake(m.getName()), "engine", "mem").orElse(null);
        assertThat(t).as("timer of %s", m.getName()).isNotNull();
        assertThat(t.count()).as("timings of %s", m.getName()).isEqualTo(1);
        assertThat(timings()).as("%s timed once", m.getName()).isEqualTo(before + 1);
      }
    }
    assertThat(metrics.scrape()).contains("nectar_meta_op_seconds_count{engine=\"mem\",op=\"copy_file_range\"} 1");
  }

  @Test
  void posixOutcomes_areTimedButNotErrors_engineFailuresAreErrors() {
    toThrow = Errno.ENOENT.exception("x");
    assertThatThrownBy(() -> metered.lookup(null, Meta.ROOT, "x")).isInstanceOf(io.nectarfs.common.FsException.class);
    toThrow = new IOException("engine unreachable");
    assertThatThrownBy(() -> metered.lookup(null, Meta.ROOT, "x")).hasMessage("engine unreachable");
    assertThatThrownBy(() -> metered.getattr(null, Meta.ROOT)).hasMessage("engine unreachable");
    var r = metrics.registry();
    assertThat(metrics.findLatency("nectar_meta_op", "op", "lookup", "engine", "mem").orElseThrow().count()).isEqualTo(2);
    assertThat(r.get("nectar_meta_op_errors").tags("op", "lookup", "engine", "mem").counter().count()).isEqualTo(1);
    assertThat(r.get("nectar_meta_op_errors").tags("op", "getattr").counter().count()).isEqualTo(1);
  }

  @Test
  void onlyOperationsThatRan_haveLatencySeries_errorCountersExistFromTheStart() throws IOException {
    metered.statfs(null, Meta.ROOT);
    String scrape = metrics.scrape();
    assertThat(scrape).contains("nectar_meta_op_seconds_count{engine=\"mem\",op=\"statfs\"} 1")
        .doesNotContain("nectar_meta_op_seconds_count{engine=\"mem\",op=\"rename\"}")
        .contains("nectar_meta_op_errors_total{engine=\"mem\",op=\"rename\"} 0.0");
  }

  private long timings() {
    return metrics.latencies("nectar_meta_op").stream().mapToLong(Latency::count).sum();
  }

  private void invoke(Method m) throws Exception {
    Object[] args = Arrays.stream(m.getParameterTypes()).map(MeteredMetaTest::defaultValue).toArray();
    try {
      m.invoke(metered, args);
    } catch (InvocationTargetException e) {
      throw new AssertionError(m.getName() + " failed", e.getCause());
    }
  }

  static String snake(String camel) {
    return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
  }

  private static Object defaultValue(Class<?> type) {
    if (!type.isPrimitive()) {
      return null;
    }
    if (type == boolean.class) {
      return false;
    }
    if (type == long.class) {
      return 0L;
    }
    if (type == int.class) {
      return 0;
    }
    if (type == void.class) {
      return null;
    }
    throw new IllegalArgumentException(type.toString());
  }
}
