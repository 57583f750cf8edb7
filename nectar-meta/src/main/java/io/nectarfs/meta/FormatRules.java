package io.nectarfs.meta;

import java.util.Objects;

/** Which format settings may change after format, and how a re-format merges. */
final class FormatRules {
  private FormatRules() {}

  /** The name of the first immutable setting that differs, or null. */
  static String incompatibleChange(Format old, Format neu) {
    if (!old.name().equals(neu.name())) {
      return "name ('" + old.name() + "')";
    }
    if (old.blockSize() != neu.blockSize()) {
      return "block size (" + old.blockSize() + " bytes)";
    }
    if (!old.compression().equals(neu.compression())) {
      return "compression (" + old.compression() + ")";
    }
    if (!Objects.equals(old.encryptKeyPem(), neu.encryptKeyPem())) {
      return "encryption key";
    }
    if (old.encryptKeyPem() != null && !Objects.equals(old.encryptCipher(), neu.encryptCipher())) {
      return "encryption cipher (" + old.encryptCipher() + ")";
    }
    if (old.checksum() != neu.checksum()) {
      return "checksum setting (" + old.checksum() + ")";
    }
    if (old.shards() != neu.shards()) {
      return "shard count (" + old.shards() + ")";
    }
    if (!old.storage().equals(neu.storage())) {
      return "storage (" + old.storage() + ")";
    }
    return null;
  }

  /** The record a re-format stores: identity of the old one, settings of the new one. */
  static Format merge(Format old, Format neu) {
    return neu.toBuilder().uuid(old.uuid()).metaVersion(old.metaVersion()).createdMillis(old.createdMillis())
        .enableAcl(old.enableAcl() || neu.enableAcl()) // ACLs, once on, stay on
        .storageLayout(old.storageLayout()) // the objects stay where they are
        .requires(union(old.requires(), neu.requires())) // inline slices, once possible, stay possible
        .build();
  }

  private static java.util.List<String> union(java.util.List<String> a, java.util.List<String> b) {
    java.util.LinkedHashSet<String> u = new java.util.LinkedHashSet<>();
    if (a != null) {
      u.addAll(a);
    }
    if (b != null) {
      u.addAll(b);
    }
    return java.util.List.copyOf(u);
  }
}
