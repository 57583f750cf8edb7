package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final StringWriter text = new StringWriter();

  @Test
  void onATerminal_showsCountRateAndEta_fromTheTotal() {
    try (Progress p = new Progress(new PrintWriter(text), true, "copying", 100, clock::get)) {
      clock.addAndGet(10_000_000_000L); // 10 s
      p.add(25, 25L << 20);
      assertThat(p.line()).contains("25/100", "25.0 MiB", "2.5 MiB/s", "10.0s", "ETA 30s");
    }
    assertThat(text.toString()).contains("\r").contains("ETA 30s").endsWith("\n");
  }

  @Test
  void drawsAtMostTenTimesASecond_andNeverOffATerminal() {
    try (Progress p = new Progress(new PrintWriter(text), true, "x", 0, clock::get)) {
      for (int i = 0; i < 100; i++) {
        p.add(1, 0);
      }
      assertThat(text.toString().split("\r", -1)).as("one draw at the start").hasSize(2);
      clock.addAndGet(100_000_000L);
      p.add(1, 0);
      assertThat(text.toString().split("\r", -1)).hasSize(3);
    }
    StringWriter quiet = new StringWriter();
    try (Progress p = new Progress(new PrintWriter(quiet), false, "x", 10, clock::get)) {
      p.add(5, 5);
      p.status("step");
    }
    assertThat(quiet.toString()).isEmpty();
  }

  @Test
  void manyThreads_countEverything() throws Exception {
    try (Progress p = new Progress(new PrintWriter(text), true, "x", 0)) {
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        ts.add(Thread.ofPlatform().start(() -> {
          for (int i = 0; i < 10_000; i++) {
            p.add(1, 2);
          }
        }));
      }
      for (Thread t : ts) {
        t.join();
      }
      assertThat(p.items()).isEqualTo(80_000);
      assertThat(p.bytes()).isEqualTo(160_000);
    }
    for (String draw : text.toString().split("\r")) {
      assertThat(draw).as("whole lines, never interleaved").doesNotContain("\r");
    }
  }

  @Test
  void status_replacesTheCounts() {
    Progress p = new Progress(new PrintWriter(text), true, "dumping", 0, clock::get);
    p.status("1200 entries");
    assertThat(p.line()).contains("dumping", "1200 entries");
    p.close();
    p.close();
    assertThat(text.toString().split("\n", -1)).as("closing twice draws the final line once").hasSize(2);
  }
}
