package io.nectarfs.object;

import io.nectarfs.common.Secrets;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.HexFormat;
import java.util.Optional;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * The volume's RSA key for envelope encryption: generating a passphrase-protected PEM (for {@code
 * nectar keygen}) and loading one.
 *
 * <p>Accepted PEMs: PKCS#8 {@code ENCRYPTED PRIVATE KEY} (as written by {@link #generate} and by
 * {@code openssl genpkey -algorithm RSA -aes256}), and traditional {@code RSA PRIVATE KEY} with
 * {@code Proc-Type: 4,ENCRYPTED} ({@code openssl genrsa -traditional -aes256}). An unencrypted PEM
 * is accepted only when no passphrase is set, so that a configured passphrase is never silently
 * ignored. The passphrase is the secret {@value #PASSPHRASE} (or a file named by {@code
 * NECTAR_KEY_PASSPHRASE_FILE}).
 */
public final class EncryptionKeys {
  /** The name of the secret holding the key's passphrase. */
  public static final String PASSPHRASE = "NECTAR_KEY_PASSPHRASE";

  private static final Provider BC = new BouncyCastleProvider();
  private static final int PBKDF2_ITERATIONS = 65_536;

  private EncryptionKeys() {}

  /** A loaded volume key: the private key, its public key and the SHA-256 of the public key (DER). */
  record VolumeKey(PrivateKey privateKey, RSAPublicKey publicKey, byte[] fingerprint) {
    String shortFingerprint() {
      return shortHex(fingerprint);
    }
  }

  static String shortHex(byte[] fp) {
    return HexFormat.of().formatHex(fp, 0, 8);
  }

  /**
   * A new RSA key as a PKCS#8 PEM encrypted with AES-256-CBC (PBKDF2-HMAC-SHA256).
   *
   * @param bits 2048, 3072 or 4096
   */
  public static String generatePem(int bits, char[] passphrase) throws IOException {
    if (bits != 2048 && bits != 3072 && bits != 4096) {
      throw new IllegalArgumentException("RSA key size must be 2048, 3072 or 4096 bits, got " + bits);
    }
    if (passphrase == null || passphrase.length == 0) {
      throw new IllegalArgumentException("an encryption key needs a non-empty passphrase");
    }
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(bits, new SecureRandom());
      KeyPair kp = g.generateKeyPair();
      var enc = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
          .setPRF(PKCS8Generator.PRF_HMACSHA256)
          .setIterationCount(PBKDF2_ITERATIONS)
          .setRandom(new SecureRandom())
          .setPassword(passphrase)
          .setProvider(BC)
          .build();
      StringWriter w = new StringWriter();
      try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
        pw.writeObject(new JcaPKCS8Generator(kp.getPrivate(), enc));
      }
      return w.toString();
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IOException("cannot generate an RSA key: " + e.getMessage(), e);
    }
  }

  /** Writes {@link #generatePem} to a new file {@code out} readable by its owner only. */
  public static void generate(Path out, int bits, char[] passphrase) throws IOException {
    String pem = generatePem(bits, passphrase);
    try {
      Files.createFile(out, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(out);
    }
    Files.writeString(out, pem, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
  }

  /** The SHA-256 fingerprint (hex) of the public key of {@code pem}, for humans. */
  public static String fingerprint(Path pem, Secrets secrets) throws IOException {
    return HexFormat.of().formatHex(load(pem, secrets).fingerprint());
  }

  /**
   * Loads the key, with errors as one actionable line each: unreadable file, missing or wrong
   * passphrase, not a private key, not RSA.
   */
  static VolumeKey load(Path pem, Secrets secrets) throws IOException {
    return load(pem, "the encryption key " + pem, secrets);
  }

  /**
   * As {@link #load(Path, Secrets)}, with errors naming the key as {@code shownAs} (e.g. "the
   * volume's encryption key (…)" for a key that lives in the metadata and only passes through a
   * temporary file).
   */
  static VolumeKey load(Path pem, String shownAs, Secrets secrets) throws IOException {
    String k = shownAs;
    Optional<String> pass = secrets.get(PASSPHRASE);
    Object o;
    try (PEMParser p = new PEMParser(Files.newBufferedReader(pem, StandardCharsets.US_ASCII))) {
      o = p.readObject();
    } catch (NoSuchFileException e) {
      throw new IOException("cannot read " + k + ": no such file");
    } catch (AccessDeniedException e) {
      throw new IOException("cannot read " + k + ": permission denied");
    } catch (IOException | RuntimeException e) {
      throw new IOException("cannot read " + k + ": not a valid PEM file (" + e.getMessage() + ")");
    }
    if (o == null) {
      throw new IOException("cannot read " + k + ": no PEM private key in it");
    }
    JcaPEMKeyConverter conv = new JcaPEMKeyConverter().setProvider(BC);
    PrivateKey priv;
    if (o instanceof PKCS8EncryptedPrivateKeyInfo enc) {
      char[] pw = need(pass, k);
      try {
        PrivateKeyInfo pki = enc.decryptPrivateKeyInfo(new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(pw));
        priv = conv.getPrivateKey(pki);
      } catch (Exception e) {
        throw wrongPassphrase(k);
      }
    } else if (o instanceof PEMEncryptedKeyPair enc) {
      char[] pw = need(pass, k);
      try {
        priv = conv.getKeyPair(enc.decryptKeyPair(new JcePEMDecryptorProviderBuilder().setProvider(BC).build(pw))).getPrivate();
      } catch (Exception e) {
        throw wrongPassphrase(k);
      }
    } else if (o instanceof PEMKeyPair || o instanceof PrivateKeyInfo) {
      if (pass.isPresent()) {
        throw new IOException(k + " is not passphrase-protected but " + PASSPHRASE
            + " is set: protect it (openssl pkcs8 -topk8 -v2 aes256) or unset the passphrase");
      }
      priv = o instanceof PEMKeyPair kp ? conv.getKeyPair(kp).getPrivate() : conv.getPrivateKey((PrivateKeyInfo) o);
    } else {
      throw new IOException("cannot use " + k + ": it holds a " + o.getClass().getSimpleName() + ", not a private key");
    }
    if (!(priv instanceof RSAPrivateCrtKey rsa)) {
      throw new IOException("cannot use " + k + ": it is a " + priv.getAlgorithm() + " key, not an RSA key");
    }
    try {
      KeyFactory kf = KeyFactory.getInstance("RSA");
      PrivateKey jdkPriv = kf.generatePrivate(new PKCS8EncodedKeySpec(rsa.getEncoded()));
      RSAPublicKey pub = (RSAPublicKey) kf.generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
      byte[] fp = MessageDigest.getInstance("SHA-256").digest(pub.getEncoded());
      return new VolumeKey(jdkPriv, pub, fp);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use " + k + ": " + e.getMessage(), e);
    }
  }

  private static char[] need(Optional<String> pass, String k) throws IOException {
    if (pass.isEmpty()) {
      throw new IOException(k + " is passphrase-protected: set " + PASSPHRASE + " or " + PASSPHRASE + "_FILE");
    }
    return pass.get().toCharArray();
  }

  private static IOException wrongPassphrase(String k) {
    return new IOException("cannot decrypt " + k + ": wrong passphrase? (check " + PASSPHRASE + ")");
  }
}
