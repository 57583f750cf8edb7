package io.nectarfs.object;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * Envelope encryption: every object gets a fresh random 256-bit data key and 96-bit nonce; the data
 * key is wrapped with the volume's RSA public key (RSA-OAEP, SHA-256, MGF1-SHA-256).
 *
 * <p><b>Stored format</b> (version 1, big-endian):
 *
 * <pre>
 *   magic "NE" | version 1 | cipher (1 AES-256-GCM, 2 ChaCha20-Poly1305)
 *   | SHA-256 of the public key (32 bytes) | wrapped key length (2 bytes) | wrapped key
 *   | nonce (12 bytes) | ciphertext | tag (16 bytes)
 * </pre>
 *
 * Everything before the ciphertext is the AEAD's associated data, so flipping any byte fails
 * authentication. The key name is not bound, so a copied object stays readable. Objects are read
 * with the cipher their header names, whatever the volume's current cipher is.
 *
 * <p>Concurrency: a small LRU of unwrapped data keys (keyed by the wrapped key bytes; filled by puts
 * and gets) is guarded by its own monitor; a private-key RSA operation costs about 1 ms, so gets
 * of recently written or read objects skip it. Cipher objects are created per operation.
 * Invariants: a cached data key is exactly what the wrapped bytes unwrap to with this volume key.
 */
final class EncryptedStore extends TransformingStore {
  private static final int FIXED = 2 + 1 + 1 + 32 + 2; // up to and including the wrapped key length
  private static final int NONCE = 12;
  private static final int TAG = 16;
  private static final int CACHE_SIZE = 4096;
  private static final OAEPParameterSpec OAEP =
      new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);
  private static final String RSA = "RSA/ECB/OAEPWithSHA-256AndMGF1Padding";

  private final EncryptionKeys.VolumeKey key;
  private final StoreOptions.Encryption.Cipher cipher;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, byte[]> dataKeys =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> e) {
          return size() > CACHE_SIZE;
        }
      };

  EncryptedStore(ObjectStore next, EncryptionKeys.VolumeKey key, StoreOptions.Encryption.Cipher cipher) {
    super(next);
    this.key = key;
    this.cipher = cipher;
  }

  private static byte id(StoreOptions.Encryption.Cipher c) {
    return (byte) (c == StoreOptions.Encryption.Cipher.AES256GCM ? 1 : 2);
  }

  private static Cipher dataCipher(byte id, int mode, byte[] dataKey, byte[] nonce) throws GeneralSecurityException {
    Cipher c;
    AlgorithmParameterSpec spec;
    SecretKeySpec k;
    if (id == 1) {
      c = Cipher.getInstance("AES/GCM/NoPadding");
      spec = new GCMParameterSpec(TAG * 8, nonce);
      k = new SecretKeySpec(dataKey, "AES");
    } else {
      c = Cipher.getInstance("ChaCha20-Poly1305");
      spec = new IvParameterSpec(nonce);
      k = new SecretKeySpec(dataKey, "ChaCha20");
    }
    c.init(mode, k, spec);
    return c;
  }

  @Override
  public void put(String k, InputStream data, long length) throws IOException {
    put(k, readAll(k, data, length));
  }

  /** Encrypts the array as it is (no stream copy); the array is not kept. */
  @Override
  public void put(String k, byte[] plain) throws IOException {
    Keys.check(k);
    byte[] dataKey = new byte[32];
    byte[] nonce = new byte[NONCE];
    random.nextBytes(dataKey);
    random.nextBytes(nonce);
    try {
      Cipher rsa = Cipher.getInstance(RSA);
      rsa.init(Cipher.ENCRYPT_MODE, key.publicKey(), OAEP, random);
      byte[] wrapped = rsa.doFinal(dataKey);
      ByteBuffer h = ByteBuffer.allocate(FIXED + wrapped.length + NONCE);
      h.put((byte) 'N').put((byte) 'E').put((byte) 1).put(id(cipher)).put(key.fingerprint()).putShort((short) wrapped.length).put(wrapped).put(nonce);
      byte[] header = h.array();
      Cipher c = dataCipher(id(cipher), Cipher.ENCRYPT_MODE, dataKey, nonce);
      c.updateAAD(header);
      byte[] out = Arrays.copyOf(header, header.length + c.getOutputSize(plain.length));
      int n = c.doFinal(plain, 0, plain.length, out, header.length);
      if (n != out.length - header.length) {
        throw new IllegalStateException("cipher output size mismatch");
      }
      remember(wrapped, dataKey);
      next.put(k, out);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot encrypt " + k + ": " + e.getMessage(), e);
    }
  }

  @Override
  public InputStream get(String k, long off, long len) throws IOException {
    return slice(decrypt(k, next.getBytes(k)), off, len);
  }

  @Override
  public ObjectInfo head(String k) throws IOException {
    ObjectInfo o = next.head(k);
    byte[] h = next.getBytes(k, 0, FIXED);
    int headerLen = checkFixed(k, h);
    long size = o.size() - headerLen - TAG;
    if (size < 0) {
      throw new CorruptObjectException(k, "truncated encrypted object");
    }
    return withSize(o, size);
  }

  /** Every object of this volume key has the same overhead: the header and the tag. */
  @Override
  long listedSize(ObjectInfo stored) {
    long overhead = FIXED + (key.publicKey().getModulus().bitLength() + 7) / 8 + NONCE + TAG;
    return Math.max(0, stored.size() - overhead);
  }

  /** Checks magic, version, cipher and key fingerprint; returns the full header length. */
  private int checkFixed(String k, byte[] b) throws CorruptObjectException {
    if (b.length < FIXED || b[0] != 'N' || b[1] != 'E') {
      throw new CorruptObjectException(k, "no encryption header (was it written without encryption?)");
    }
    if (b[2] != 1) {
      throw new CorruptObjectException(k, "unknown encryption format version " + b[2]);
    }
    if (b[3] != 1 && b[3] != 2) {
      throw new CorruptObjectException(k, "unknown cipher id " + b[3]);
    }
    byte[] fp = Arrays.copyOfRange(b, 4, 36);
    if (!MessageDigest.isEqual(fp, key.fingerprint())) {
      throw new CorruptObjectException(k, "it was encrypted with a different key (fingerprint " + EncryptionKeys.shortHex(fp)
          + "…, this volume's key is " + key.shortFingerprint() + "…) or its header is damaged");
    }
    int wl = ByteBuffer.wrap(b, 36, 2).getShort() & 0xffff;
    if (wl != key.publicKey().getModulus().bitLength() / 8 && wl != (key.publicKey().getModulus().bitLength() + 7) / 8) {
      throw new CorruptObjectException(k, "bad wrapped key length " + wl);
    }
    return FIXED + wl + NONCE;
  }

  private byte[] decrypt(String k, byte[] b) throws IOException {
    int headerLen = checkFixed(k, b);
    if (b.length < headerLen + TAG) {
      throw new CorruptObjectException(k, "truncated encrypted object (" + b.length + " bytes)");
    }
    byte[] wrapped = Arrays.copyOfRange(b, FIXED, headerLen - NONCE);
    byte[] nonce = Arrays.copyOfRange(b, headerLen - NONCE, headerLen);
    byte[] dataKey = unwrap(k, wrapped);
    try {
      Cipher c = dataCipher(b[3], Cipher.DECRYPT_MODE, dataKey, nonce);
      c.updateAAD(b, 0, headerLen);
      return c.doFinal(b, headerLen, b.length - headerLen);
    } catch (AEADBadTagException e) {
      throw new CorruptObjectException(k, "authentication failed (data or header modified)");
    } catch (GeneralSecurityException e) {
      throw new CorruptObjectException(k, "cannot decrypt (" + e.getMessage() + ")");
    }
  }

  private byte[] unwrap(String k, byte[] wrapped) throws CorruptObjectException {
    String id = HexFormat.of().formatHex(wrapped);
    synchronized (dataKeys) {
      byte[] dk = dataKeys.get(id);
      if (dk != null) {
        return dk;
      }
    }
    byte[] dk;
    try {
      Cipher rsa = Cipher.getInstance(RSA);
      rsa.init(Cipher.DECRYPT_MODE, key.privateKey(), OAEP);
      dk = rsa.doFinal(wrapped);
    } catch (GeneralSecurityException e) {
      throw new CorruptObjectException(k, "cannot unwrap its data key (wrapped key damaged)");
    }
    if (dk.length != 32) {
      throw new CorruptObjectException(k, "unwrapped data key has " + dk.length + " bytes");
    }
    synchronized (dataKeys) {
      dataKeys.put(id, dk);
    }
    return dk;
  }

  private void remember(byte[] wrapped, byte[] dataKey) {
    synchronized (dataKeys) {
      dataKeys.put(HexFormat.of().formatHex(wrapped), dataKey);
    }
  }
}
