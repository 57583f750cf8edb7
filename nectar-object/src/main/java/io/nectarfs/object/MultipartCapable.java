package io.nectarfs.object;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * A store that assembles large objects from separately uploaded parts (S3 multipart semantics).
 * Nothing is visible under the key until {@link #completeMultipart} succeeds; then the object
 * appears atomically.
 */
public interface MultipartCapable {

  /** A part as uploaded: its number (1..10000) and the tag the store gave it. */
  record Part(int number, String etag, long size) {}

  /** The smallest size of every part but the last (5 MiB on S3). */
  long minPartSize();

  /** Starts an upload and returns its id. */
  String createMultipart(String key) throws IOException;

  /**
   * Uploads one part; uploading the same number again replaces it.
   *
   * @throws NoSuchFileException if the upload id is unknown (aborted or completed)
   */
  Part uploadPart(String key, String uploadId, int number, InputStream data, long length)
      throws IOException;

  /**
   * Assembles the parts, in the given order, into the object.
   *
   * @throws NoSuchFileException if the upload id is unknown
   * @throws IllegalArgumentException if a part was not uploaded or a non-last part is smaller than
   *     {@link #minPartSize()}
   */
  void completeMultipart(String key, String uploadId, List<Part> parts) throws IOException;

  /** Discards an upload and its parts. Idempotent. */
  void abortMultipart(String key, String uploadId) throws IOException;

  /** Upload ids of unfinished uploads of {@code key} (for cleanup tools). */
  List<String> listMultipart(String key) throws IOException;
}
