package io.nectarfs.gateway.s3.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Crc64NvmeTest {
  @Test
  void checkValue_ofTheCatalogue() {
    // CRC-64/NVME check value ("123456789") from the CRC catalogue
    assertThat(Crc64Nvme.of("123456789".getBytes(StandardCharsets.UTF_8))).isEqualTo(0xAE8B14860A799888L);
  }
}
