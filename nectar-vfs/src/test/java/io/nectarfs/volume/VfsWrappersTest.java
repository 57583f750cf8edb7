package io.nectarfs.volume;

import static org.assertj.core.api.Assertions.assertThat;

import io.nectarfs.vfs.Vfs;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A VFS wrapper (subdir, identity mapping, access log) must pass every operation on, including the ones
 * {@link Vfs} gives a default body: a default left in place answers for the wrapper (a paged
 * listing that reads whole directories, EOPNOTSUPP for quotas, pages never kept). The takeover and
 * crash-recovery calls are passed on by {@link io.nectarfs.vfs.HandoverForwarding}.
 */
class VfsWrappersTest {
  @ParameterizedTest
  @ValueSource(strings = {"io.nectarfs.vfs.SubdirVfs", "io.nectarfs.volume.MappedVfs", "io.nectarfs.vfs.AccessLogVfs"})
  void wrapper_overridesEveryVfsMethod(String className) throws Exception {
    Class<?> wrapper = Class.forName(className);
    List<String> missing = new ArrayList<>();
    for (Method m : Vfs.class.getMethods()) {
      if (Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() != Vfs.class) {
        continue;
      }
      Method used = wrapper.getMethod(m.getName(), m.getParameterTypes()); // the wrapper's own, or HandoverForwarding's
      if (used.getDeclaringClass() == Vfs.class) {
        missing.add(m.getName());
      }
    }
    assertThat(missing).as(className + " leaves these to Vfs's defaults").isEmpty();
  }
}
