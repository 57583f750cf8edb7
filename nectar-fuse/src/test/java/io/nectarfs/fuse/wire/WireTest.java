package io.nectarfs.fuse.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Names;
import io.nectarfs.meta.Attr;
import io.nectarfs.meta.FileType;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WireTest {
  static final Attr FILE = new Attr(FileType.FILE, 0644, 1000, 100, 1_500_000_000_123_456_789L, 2_000_000_000L, -1L, 1, 513, 0, 0, 1);

  @Test
  void names_areAnyBytes_andNulTerminated() throws Exception {
    Buf b = new Buf(8192);
    byte[] ok = "café\0".getBytes(StandardCharsets.UTF_8);
    b.bytes().putInt(0, 40 + ok.length + 5).put(40, ok).put(40 + ok.length, new byte[] {'x', (byte) 0xff, 0, 'y', 'z'});
    Request r = Request.parse(b, 40 + ok.length + 5);
    assertThat(r.name()).isEqualTo("café");
    String latin = r.name();
    assertThat(Names.encode(latin)).containsExactly('x', 0xff);
    assertThatThrownBy(r::name).isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
  }

  @Test
  void structs_haveKernelSizes() {
    Buf b = new Buf(8192);
    assertThat(new Reply(b).attr(5, FILE).length()).isEqualTo(16 + 88);
    assertThat(new Reply(b).entryOut(5, 1_500_000_000L, 0, FILE).length()).isEqualTo(16 + 128);
    assertThat(new Reply(b).attrOut(1_000_000_000L, 5, FILE).length()).isEqualTo(16 + 104);
    Reply r = new Reply(b).attr(5, FILE);
    var bb = b.bytes();
    assertThat(bb.getLong(16)).isEqualTo(5);
    assertThat(bb.getLong(24)).isEqualTo(513);
    assertThat(bb.getLong(32)).isEqualTo(2); // 512-byte blocks
    assertThat(bb.getLong(40)).isEqualTo(1_500_000_000L);
    assertThat(bb.getInt(64)).isEqualTo(123_456_789);
    assertThat(bb.getLong(56)).isEqualTo(-1); // ctime -1 ns: second -1, nsec 999999999
    assertThat(bb.getInt(72)).isEqualTo(999_999_999);
    assertThat(bb.getInt(76)).isEqualTo(0100644);
    assertThat(r.finish(9, 0)).isEqualTo(104);
    assertThat(new Reply(b).finish(9, -2)).isEqualTo(16);
    assertThat(bb.getInt(4)).isEqualTo(-2);
  }

  @Test
  void dirents_arePaddedTo8_andStopWhenFull() {
    Buf b = new Buf(8192);
    Reply r = new Reply(b);
    assertThat(r.dirent(64, 1, 1, 4, new byte[] {'.'})).isTrue();
    assertThat(r.length()).isEqualTo(16 + 32);
    assertThat(r.dirent(72, 2, 2, 8, "abcdefghi".getBytes())).isTrue(); // 24 + 9 -> 40
    assertThat(r.length()).isEqualTo(16 + 72);
    assertThat(r.dirent(72, 3, 3, 8, "z".getBytes())).isFalse();
    Reply p = new Reply(b);
    assertThat(p.direntPlus(4096, 7, 1, 8, "f".getBytes(), 0, 0, FILE)).isTrue();
    assertThat(p.length()).isEqualTo(16 + 128 + 32);
  }

  @Test
  void opcodeNames_andTable() {
    assertThat(Opcode.name(Opcode.STATX)).isEqualTo("STATX");
    assertThat(Opcode.name(4096)).isEqualTo("4096");
    OpTable t = new OpTable().on(Opcode.LOOKUP, 2, OpTable.Dispatch.ASYNC, (r, o) -> {});
    assertThat(t.get(Opcode.LOOKUP).name()).isEqualTo("LOOKUP");
    assertThat(t.get(Opcode.STATX)).isNull();
    assertThat(t.get(1 << 20)).isNull();
  }
}
