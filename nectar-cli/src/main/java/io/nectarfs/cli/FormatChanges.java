package io.nectarfs.cli;

import io.nectarfs.common.Sizes;
import io.nectarfs.meta.Format;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a re-format would change in an existing volume's settings, each named with its old and new
 * value. Immutable settings (name, storage, block size, compression, encryption, checksum,
 * shards) need {@code --force}; trash days, capacity, inode limit and ACLs (on only) are mutable.
 */
final class FormatChanges {
  /** One differing setting. */
  record Change(String setting, String from, String to, boolean immutable) {
    @Override
    public String toString() {
      return setting + " " + from + " → " + to;
    }
  }

  private FormatChanges() {}

  /** Every setting that differs between {@code old} and {@code neu}, in a fixed order. */
  static List<Change> between(Format old, Format neu) {
    List<Change> c = new ArrayList<>();
    add(c, "name", "'" + old.name() + "'", "'" + neu.name() + "'", true);
    add(c, "storage", old.storage(), neu.storage(), true);
    add(c, "block size", Sizes.format(old.blockSize()), Sizes.format(neu.blockSize()), true);
    add(c, "compression", old.compression(), neu.compression(), true);
    if (!Objects.equals(old.encryptKeyPem(), neu.encryptKeyPem())) {
      c.add(new Change("encryption key", old.encryptKeyPem() == null ? "none" : "a key", neu.encryptKeyPem() == null ? "none" : "another key", true));
    } else if (old.encryptKeyPem() != null) {
      add(c, "encryption cipher", old.encryptCipher(), neu.encryptCipher(), true);
    }
    add(c, "checksum", onOff(old.checksum()), onOff(neu.checksum()), true);
    add(c, "shards", Integer.toString(old.shards()), Integer.toString(neu.shards()), true);
    add(c, "trash days", Integer.toString(old.trashDays()), Integer.toString(neu.trashDays()), false);
    add(c, "capacity", old.capacity() == 0 ? "none" : Sizes.format(old.capacity()), neu.capacity() == 0 ? "none" : Sizes.format(neu.capacity()), false);
    add(c, "inode limit", old.inodes() == 0 ? "none" : Long.toString(old.inodes()), neu.inodes() == 0 ? "none" : Long.toString(neu.inodes()), false);
    add(c, "inline size", inline(old.inlineSize()), inline(neu.inlineSize()), false);
    add(c, "ACLs", onOff(old.enableAcl()), onOff(old.enableAcl() || neu.enableAcl()), false); // once on, stay on
    return c;
  }

  /**
   * The one-line refusal for immutable changes without {@code --force}, or null when there are
   * none. A different name is said first, with both names.
   */
  static String refusal(Format old, List<Change> changes) {
    List<Change> hard = changes.stream().filter(Change::immutable).toList();
    if (hard.isEmpty()) {
      return null;
    }
    StringBuilder m = new StringBuilder();
    List<Change> rest = hard;
    if (hard.getFirst().setting().equals("name")) {
      m.append("the volume at this META-URL is named ").append(hard.getFirst().from()).append(", not ").append(hard.getFirst().to());
      rest = hard.subList(1, hard.size());
      if (!rest.isEmpty()) {
        m.append(", and");
      }
    } else {
      m.append("volume '").append(old.name()).append("' is already formatted with");
    }
    if (!rest.isEmpty()) {
      m.append(" different settings: ");
      m.append(String.join(", ", rest.stream().map(Change::toString).toList()));
    }
    m.append(": use --force to change ").append(hard.size() == 1 ? "it" : "them")
        .append(" (existing data may become unreadable), or 'nectar config' for mutable settings");
    return m.toString();
  }

  private static void add(List<Change> c, String setting, String from, String to, boolean immutable) {
    if (!Objects.equals(from, to)) {
      c.add(new Change(setting, from, to, immutable));
    }
  }

  static String inline(int size) {
    return size == 0 ? "off" : Sizes.format(size);
  }

  private static String onOff(boolean b) {
    return b ? "on" : "off";
  }
}
