package io.nectarfs.vfs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** /.config names the metadata URL for every user of the mount: never a password or a secret parameter. */
class PublishedMetaUrlTest {
  @Test
  void publishedMetaUrl_hasNoSecrets_butKeepsTheUser() {
    assertThat(VfsImpl.publishedMetaUrl("postgres://nectar:hunter2@db:5432/vol?sslmode=require&password=x"))
        .isEqualTo("postgres://nectar@db:5432/vol?sslmode=require");
    assertThat(VfsImpl.publishedMetaUrl("postgres://nectar:****@db:5432/vol")).isEqualTo("postgres://nectar@db:5432/vol");
    assertThat(VfsImpl.publishedMetaUrl("redis://:s3cret@host:6379/1")).isEqualTo("redis://host:6379/1");
    assertThat(VfsImpl.publishedMetaUrl("sqlite3:///var/lib/nectar/meta.db")).isEqualTo("sqlite3:///var/lib/nectar/meta.db");
  }
}
