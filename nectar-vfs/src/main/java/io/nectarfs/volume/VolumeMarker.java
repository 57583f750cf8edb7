package io.nectarfs.volume;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Format;
import io.nectarfs.object.ListPage;
import io.nectarfs.object.ObjectInfo;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.object.StoreOptions;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;

/**
 * The volume marker: a small JSON object {@code <name>/nectar-volume.json} in the storage that
 * says which volume (name and UUID) owns the key prefix {@code <name>/}. {@code nectar format}
 * refuses storage whose marker names another volume, and so does every command that opens the
 * volume's storage. The marker is stored plainly (no compression, encryption or checksum) so that
 * a volume with other settings or another key can still read it and name its owner.
 *
 * <p>Without a marker (a volume formatted before markers existed, or a format that stopped
 * between the metadata and the marker), the prefix is claimed (the marker written) only when
 * everything under {@code <name>/} can belong to this volume: only {@code chunks/} for the
 * {@link Format#LAYOUT_NAME} layout, only {@code <uuid>/} for {@link Format#LAYOUT_UUID}. The
 * check and the write are not atomic; two formats racing for one prefix are still kept apart by
 * the UUID in the object keys.
 *
 * <p>{@link Volume#open} checks the marker (and claims a missing one unless read-only); {@link
 * Volumes#format} checks it before and writes it after the metadata.
 *
 * <p>Concurrency: stateless; every call opens and closes its own store.
 */
public final class VolumeMarker {
  /** The marker's key under {@code <name>/}. */
  public static final String KEY = "nectar-volume.json";
  /** Objects that {@code nectar format}'s storage check leaves only for a moment. */
  static final String PROBE = ".format-check-";
  private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** The stored content. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Content(String name, String uuid, long createdMillis) {}

  private VolumeMarker() {}

  /**
   * Throws a one-line {@link IOException} when the storage under {@code <name>/} belongs to
   * another volume (a marker with another UUID, or objects this volume cannot own without a
   * marker). With {@code claim}, writes this volume's marker when it is missing and the prefix
   * may be claimed.
   */
  public static void verify(Format f, boolean claim, Secrets secrets) throws IOException {
    try (ObjectStore s = open(f, secrets)) {
      Content m = read(s, f);
      if (m != null) {
        if (!f.uuid().equals(m.uuid())) {
          throw new IOException("storage " + s.describe() + " already holds volume '" + m.name() + "' (uuid " + m.uuid()
              + "), not this volume (uuid " + f.uuid() + "): choose another volume name or storage URL, or destroy that volume first ('nectar destroy META-URL "
              + m.uuid() + "')");
        }
        return;
      }
      List<String> foreign = foreign(s, f);
      if (!foreign.isEmpty()) {
        throw new IOException("storage " + s.describe() + " holds objects that no volume marker claims (" + String.join(", ", foreign)
            + "): they may belong to another volume named '" + f.name()
            + "' (formatted by an older nectar) or to another program; choose another volume name or storage URL, or remove them");
      }
      if (claim) {
        s.put(KEY, JSON.writeValueAsBytes(new Content(f.name(), f.uuid(), System.currentTimeMillis())));
      }
    }
  }

  /** Deletes the marker if it names this volume (after its objects were deleted). */
  public static void remove(Format f, Secrets secrets) throws IOException {
    try (ObjectStore s = open(f, secrets)) {
      Content m = read(s, f);
      if (m != null && f.uuid().equals(m.uuid())) {
        s.delete(KEY);
      }
    }
  }

  /** The volume's storage with only the name prefix (and sharding): no content transformation. */
  private static ObjectStore open(Format f, Secrets secrets) throws IOException {
    StoreOptions o = StoreOptions.defaults().withPrefix(f.name() + "/").withShards(f.shards());
    return ObjectStores.registry().open(f.storage(), o, secrets);
  }

  private static Content read(ObjectStore s, Format f) throws IOException {
    byte[] b;
    try {
      b = s.getBytes(KEY);
    } catch (NoSuchFileException e) {
      return null;
    }
    try {
      Content c = JSON.readValue(b, Content.class);
      if (c.uuid() == null) {
        throw new IOException("no uuid");
      }
      return c;
    } catch (IOException e) {
      throw new IOException("the volume marker " + f.name() + "/" + KEY + " in storage " + s.describe()
          + " is unreadable: if no other volume uses this name on this storage, delete it and retry");
    }
  }

  /** Up to 5 top-level entries under {@code <name>/} that cannot belong to this volume. */
  private static List<String> foreign(ObjectStore s, Format f) throws IOException {
    String own = f.storageLayout() == Format.LAYOUT_UUID ? f.uuid() + "/" : "chunks/";
    List<String> found = new ArrayList<>();
    String after = "";
    while (found.size() < 5) {
      ListPage p = s.list("", after, "/", 1000);
      for (String prefix : p.commonPrefixes()) {
        if (!prefix.equals(own) && found.size() < 5) {
          found.add(f.name() + "/" + prefix);
        }
      }
      for (ObjectInfo o : p.objects()) {
        if (!o.key().startsWith(PROBE) && !o.key().equals(KEY) && found.size() < 5) {
          found.add(f.name() + "/" + o.key());
        }
      }
      if (!p.truncated()) {
        break;
      }
      after = p.nextStartAfter();
    }
    return found;
  }
}
