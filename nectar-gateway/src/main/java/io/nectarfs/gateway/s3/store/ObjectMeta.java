package io.nectarfs.gateway.s3.store;

import io.nectarfs.gateway.s3.auth.ChecksumAlgorithm;
import java.util.Map;

/**
 * What S3 keeps with an object besides its bytes, stored in the file's xattrs by the store.
 *
 * @param etag the ETag without quotes: hex MD5 for a single PUT, {@code <md5-of-md5s>-N} for a
 *     multipart upload; null when unknown (the store then derives one, see {@link BucketStore#head})
 * @param contentType null: {@code binary/octet-stream} is answered
 * @param userMeta {@code x-amz-meta-*} names (lower case, without the prefix) → values
 * @param checksums the verified checksums of the whole object (base64); for multipart the
 *     composite form {@code <base64>-N}
 */
public record ObjectMeta(
    String etag,
    String contentType,
    String contentEncoding,
    String contentDisposition,
    String contentLanguage,
    String cacheControl,
    String expires,
    Map<String, String> userMeta,
    Map<ChecksumAlgorithm, String> checksums) {
  public static final ObjectMeta EMPTY = new ObjectMeta(null, null, null, null, null, null, null, Map.of(), Map.of());

  public ObjectMeta {
    userMeta = Map.copyOf(userMeta);
    checksums = Map.copyOf(checksums);
  }

  public ObjectMeta withEtag(String e) {
    return new ObjectMeta(e, contentType, contentEncoding, contentDisposition, contentLanguage, cacheControl, expires, userMeta, checksums);
  }

  public ObjectMeta withChecksums(Map<ChecksumAlgorithm, String> c) {
    return new ObjectMeta(etag, contentType, contentEncoding, contentDisposition, contentLanguage, cacheControl, expires, userMeta, c);
  }
}
