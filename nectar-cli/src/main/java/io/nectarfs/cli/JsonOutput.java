package io.nectarfs.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;

/**
 * The one way commands print {@code --json}: a record (or map/list) becomes one JSON object on one
 * line, with snake_case field names ({@code bytesRead} → {@code bytes_read}), sizes in bytes and
 * durations in seconds. Fields are a documented, stable API (docs/cli-json.md): add fields, never
 * rename or remove them. Null fields are left out.
 *
 * <p>Thread-safe (the mapper is immutable after construction).
 */
final class JsonOutput {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private JsonOutput() {}

  /** {@code value} as one line of JSON. */
  static String line(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot print " + value.getClass().getSimpleName() + " as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Prints {@code value} as one line of JSON and flushes. */
  static void print(PrintWriter out, Object value) {
    out.println(line(value));
    out.flush();
  }
}
