package io.nectarfs.volume;

import io.nectarfs.common.Secrets;
import io.nectarfs.common.Uris;
import io.nectarfs.meta.Format;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.UUID;

/** Checks before a volume is pointed at other storage ({@code nectar config --storage}). Stateless. */
public final class StorageMove {
  private StorageMove() {}

  /**
   * Checks the storage of {@code next} with {@code secrets} (the environment's credentials): it must
   * be reachable and writable (a probe object is put, read back and deleted under the volume's
   * prefix) and must not belong to another volume ({@link VolumeMarker#verify}, claiming nothing).
   * Returns why switching is still risky: the volume's marker is missing there (its objects were
   * probably not copied), or, with the marker there, that clients must not mount before the copy
   * is complete.
   *
   * @throws IOException one line: "storage check of URL failed: …", or the marker's refusal
   */
  public static String check(Format next, Secrets secrets) throws IOException {
    try (ObjectStore s = ObjectStores.registry().open(next.storage(), StoreOptions.raw(), secrets)) {
      String key = next.objectPrefix() + "nectar-config-check-" + UUID.randomUUID();
      byte[] data = key.getBytes(StandardCharsets.UTF_8);
      s.put(key, data);
      boolean same = Arrays.equals(s.getBytes(key), data);
      s.delete(key);
      if (!same) {
        throw new IOException("it returned different bytes than were written");
      }
    } catch (IOException e) {
      throw new IOException("storage check of " + Uris.redact(next.storage()) + " failed: " + Volumes.oneLine(e), e);
    }
    VolumeMarker.verify(next, false, secrets);
    try (ObjectStore s = ObjectStores.registry().open(next.storage(), StoreOptions.raw(), secrets)) {
      s.head(next.name() + "/" + VolumeMarker.KEY);
      return "the volume's objects must be in the new storage before clients mount it";
    } catch (NoSuchFileException e) {
      return "the new storage holds no marker of this volume: copy its objects there first, or its files become unreadable";
    }
  }
}
