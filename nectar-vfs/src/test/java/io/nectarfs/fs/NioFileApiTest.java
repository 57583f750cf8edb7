package io.nectarfs.fs;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The file-API cases on a local directory through java.nio.file: the reference behaviour. */
class NioFileApiTest extends FileApiContract {
  @TempDir
  Path dir;
  private NioFileApi api;

  @BeforeEach
  void setUp() {
    api = new NioFileApi(dir);
  }

  @Override
  FileApi api() {
    return api;
  }
}
