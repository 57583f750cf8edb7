package io.nectarfs.chunk;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encryption of disk-cache files for shared hosts ({@code --cache-encrypted}): AES-256 in CTR mode
 * under a random key that exists only in this process's memory, so a cache file is useless to
 * anyone who reads the disk (another user with a widened {@code --cache-mode}, a backup, a stolen
 * disk) and to later processes, which therefore discard the previous process's encrypted cache.
 *
 * <p>The counter block of a block key is SHA-256(key) truncated to 16 bytes; a block key always
 * names the same bytes (blocks are immutable), so a key/counter pair never encrypts two different
 * plaintexts. CTR lets a ranged read decrypt only the bytes it reads. Integrity stays with the
 * cache file's CRC32C over the stored (encrypted) bytes, which detects damage; cache files are
 * writable only by their owner, so tampering is out of scope.
 *
 * <p>Thread-safe: every call creates its own {@link Cipher}.
 */
final class CacheCipher {
  private final SecretKeySpec key;

  CacheCipher() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    this.key = new SecretKeySpec(k, "AES");
  }

  /**
   * Encrypts or decrypts (the same operation in CTR) {@code data}, which holds the bytes at
   * offset {@code off} of block {@code blockKey}, in place; returns {@code data}.
   */
  byte[] apply(String blockKey, long off, byte[] data) {
    try {
      byte[] iv = MessageDigest.getInstance("SHA-256").digest(blockKey.getBytes(StandardCharsets.UTF_8));
      add(iv, off >>> 4);
      Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv, 0, 16));
      int skip = (int) (off & 15);
      if (skip > 0) {
        c.update(new byte[skip]);
      }
      int n = c.update(data, 0, data.length, data, 0);
      if (n != data.length) {
        throw new IllegalStateException("AES/CTR returned " + n + " of " + data.length + " bytes");
      }
      return data;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/CTR is not available: " + e.getMessage(), e);
    }
  }

  /** Adds {@code n} to the big-endian 128-bit counter in {@code iv[0..16)}. */
  private static void add(byte[] iv, long n) {
    long carry = n;
    for (int i = 15; i >= 0 && carry != 0; i--) {
      long sum = (iv[i] & 0xffL) + (carry & 0xff);
      iv[i] = (byte) sum;
      carry = (carry >>> 8) + (sum >>> 8);
    }
  }
}
