package io.nectarfs.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretsTest {
  @Test
  void variable_thenFile(@TempDir Path tmp) throws IOException {
    Path f = tmp.resolve("pw");
    Files.writeString(f, "from-file\n");
    assertThat(new Secrets(Map.of("X", "direct", "X_FILE", f.toString())).get("X")).contains("direct");
    assertThat(new Secrets(Map.of("X_FILE", f.toString())).get("X")).contains("from-file");
    assertThat(new Secrets(Map.of()).get("X")).isEmpty();
  }

  @Test
  void unreadableFile_namesTheVariableNotTheSecret(@TempDir Path tmp) {
    assertThatThrownBy(() -> new Secrets(Map.of("X_FILE", tmp.resolve("missing").toString())).get("X"))
        .hasMessageContaining("X_FILE=").hasMessageContaining("missing");
  }

  @Test
  void errno_mapsForeignFailures() {
    assertThat(Errno.of(new java.nio.file.NoSuchFileException("x"))).isEqualTo(Errno.ENOENT);
    assertThat(Errno.of(new IOException(new java.nio.file.AccessDeniedException("x")))).isEqualTo(Errno.EACCES);
    assertThat(Errno.of(Errno.EDQUOT.exception("q"))).isEqualTo(Errno.EDQUOT);
    assertThat(Errno.of(new IllegalStateException())).isEqualTo(Errno.EIO);
    assertThat(Errno.ofCode(39)).isEqualTo(Errno.ENOTEMPTY);
  }
}
