package io.nectarfs.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UrisTest {
  @Test
  void redact_hidesPasswordsAndKeys() {
    assertThat(Uris.redact("postgres://nectar:secret@127.0.0.1:5432/db")).isEqualTo("postgres://nectar:****@127.0.0.1:5432/db");
    assertThat(Uris.redact("redis://:pw@host:6379/1")).isEqualTo("redis://:****@host:6379/1");
    assertThat(Uris.redact("http://AKID:SK/with+slash@host/bucket")).isEqualTo("http://AKID:****@host/bucket");
    assertThat(Uris.redact("postgres://nectar:p@ss@127.0.0.1/db")).isEqualTo("postgres://nectar:****@127.0.0.1/db");
    assertThat(Uris.redact("s3://token@bucket/x")).isEqualTo("s3://****@bucket/x");
    assertThat(Uris.redact("s3://bucket/x?secret-key=abc&region=eu")).isEqualTo("s3://bucket/x?secret-key=****&region=eu");
  }

  @Test
  void redact_leavesPlainUrlsAlone() {
    assertThat(Uris.redact("file:///data/a@b/c")).isEqualTo("file:///data/a@b/c");
    assertThat(Uris.redact("sqlite3:///var/lib/nectar.db")).isEqualTo("sqlite3:///var/lib/nectar.db");
    assertThat(Uris.redact("http://host:9000/bucket")).isEqualTo("http://host:9000/bucket");
    assertThat(Uris.redact(null)).isEqualTo("null");
  }

  @Test
  void scheme_isLowerCase() {
    assertThat(Uris.scheme("S3://b")).isEqualTo("s3");
    assertThat(Uris.scheme("/no/scheme")).isNull();
  }
}
