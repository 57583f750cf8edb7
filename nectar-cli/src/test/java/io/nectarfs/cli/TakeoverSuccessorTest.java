package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class TakeoverSuccessorTest {
  private static long openDescriptors() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  /**
   * The warm-up sends the handover's frames, a descriptor included, over a socket pair of its own
   * and decodes them (the pause then runs that path compiled); it closes every descriptor it made or received.
   */
  @Test
  void theWarmUp_passesFramesAndADescriptor_andLeavesNoDescriptorOpen() throws Exception {
    TakeoverSuccessor.warmUp(); // classes loaded, so the count below is not moved by the JVM's own files
    long before = openDescriptors();
    TakeoverSuccessor.warmUp();
    TakeoverSuccessor.warmUp();
    assertThat(openDescriptors()).isEqualTo(before);
  }
}
