package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonOutputTest {
  record Sample(String volumeName, long bytesRead, Double ratio, List<String> items) {}

  @Test
  void recordsPrintAsOneLine_withSnakeCaseFields_andNoNulls() throws Exception {
    String line = JsonOutput.line(new Sample("v\"1", 42, null, List.of("a")));
    assertThat(line).doesNotContain("\n").doesNotContain("ratio");
    var tree = new ObjectMapper().readTree(line);
    assertThat(tree.get("volume_name").asText()).isEqualTo("v\"1");
    assertThat(tree.get("bytes_read").asLong()).isEqualTo(42);
    assertThat(tree.get("items").get(0).asText()).isEqualTo("a");
  }
}
