package io.nectarfs.csi.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * A key store from the PEM files a Kubernetes TLS Secret holds ({@code tls.crt}, {@code tls.key}):
 * the key may be PKCS#1 ({@code RSA PRIVATE KEY}, what Helm's {@code genSignedCert} and
 * cert-manager write by default), SEC1 ({@code EC PRIVATE KEY}) or PKCS#8 ({@code PRIVATE KEY});
 * BouncyCastle's PEM parser reads all three (the JDK's PEM API is a preview in 25).
 */
final class PemKeys {
  static final String ALIAS = "webhook";

  private PemKeys() {}

  static KeyStore keyStore(Path certFile, Path keyFile, char[] password) throws IOException {
    Collection<? extends Certificate> chain;
    try (InputStream in = Files.newInputStream(certFile)) {
      chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (GeneralSecurityException e) {
      throw new IOException("certificate file " + certFile + ": not a PEM certificate chain (" + e.getMessage() + ")", e);
    }
    if (chain.isEmpty()) {
      throw new IOException("certificate file " + certFile + ": no certificate in it");
    }
    PrivateKey key = privateKey(keyFile);
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry(ALIAS, key, password, chain.toArray(Certificate[]::new));
      return ks;
    } catch (GeneralSecurityException e) {
      throw new IOException("key file " + keyFile + " and certificate file " + certFile + " do not make a key entry: " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path keyFile) throws IOException {
    try (Reader r = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(r)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
        if (o instanceof PEMKeyPair pair) {
          return converter.getKeyPair(pair).getPrivate();
        }
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
      }
    } catch (RuntimeException e) { // BouncyCastle's parse errors are unchecked
      throw new IOException("key file " + keyFile + ": not a PEM private key", e);
    }
    throw new IOException("key file " + keyFile + ": no unencrypted PEM private key in it (RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY)");
  }
}
