package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code nectar profile}'s aggregation of access-log lines. */
class AccessLogProfileTest {
  @Test
  void lines_areCountedPerOperationUidAndPid_notesAndDropsToo() {
    AccessLogProfile p = new AccessLogProfile();
    assertThat(p.add("2026-11-30T09:00:00.000000Z [uid:0,gid:0,pid:7] write (ino=5,fh=2,off=0,size=3): OK 3 <0.000010>")).isTrue();
    assertThat(p.add("2026-11-30T09:00:00.500000Z [uid:0,gid:0,pid:7] write (ino=5,fh=2,off=3,size=3): OK 3 <0.000030>")).isTrue();
    assertThat(p.add("2026-11-30T09:00:01.000000Z [uid:42,gid:1,pid:8] lookup (parent=1,name=\"a): OK <1.0>\"): ENOENT <1.000000>")).isTrue();
    assertThat(p.add("#")).isTrue();
    assertThat(p.add("# dropped 12 lines")).isTrue();
    assertThat(p.lines()).isEqualTo(3);
    assertThat(p.spanSeconds()).isEqualTo(1.0);
    assertThat(p.json(1.0)).isEqualTo("{\"seconds\":1.000,\"lines\":3,\"dropped\":12,"
        + "\"operations\":[{\"op\":\"lookup\",\"count\":1,\"errors\":1,\"total_seconds\":1.000000},{\"op\":\"write\",\"count\":2,\"errors\":0,\"total_seconds\":0.000040}],"
        + "\"uids\":[{\"uid\":42,\"count\":1,\"errors\":1,\"total_seconds\":1.000000},{\"uid\":0,\"count\":2,\"errors\":0,\"total_seconds\":0.000040}],"
        + "\"pids\":[{\"pid\":8,\"count\":1,\"errors\":1,\"total_seconds\":1.000000},{\"pid\":7,\"count\":2,\"errors\":0,\"total_seconds\":0.000040}]}");
    assertThat(p.text(1.0, 10)).contains("3 operations in 1.0 s, 12 lines dropped", "operation (by count)");
  }

  @Test
  void aLineOfAnotherFormat_isRefused() {
    AccessLogProfile p = new AccessLogProfile();
    assertThat(p.add("hello")).isFalse();
    assertThat(p.add("2026-11-30 [uid:0] write: OK")).isFalse();
    assertThat(p.lines()).isZero();
  }
}
