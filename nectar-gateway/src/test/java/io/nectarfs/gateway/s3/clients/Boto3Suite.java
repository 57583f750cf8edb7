package io.nectarfs.gateway.s3.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * boto3 (Debian python3-boto3) running {@code s3clients/boto3_suite.py} with /usr/bin/python3:
 * put/get/head, list and paginate, multipart (transfer manager and by hand), copy, delete and
 * batch delete, each checked inside the script.
 */
abstract class Boto3Suite extends ClientSuite {
  @Test
  void boto3Script_passes() throws Exception {
    Programs.require(Programs.PYTHON, "python3");
    Programs.require(Programs.BOTO3, "python3-boto3");
    Path script = tmp.resolve("boto3_suite.py");
    try (InputStream in = Boto3Suite.class.getResourceAsStream("/s3clients/boto3_suite.py")) {
      Files.copy(in, script);
    }
    Map<String, String> env = new HashMap<>(awsEnv());
    env.put("NECTAR_S3_ENDPOINT", endpoint());
    env.put("NECTAR_S3_BUCKET", bucket);
    env.put("AWS_CONFIG_FILE", tmp.resolve("no-config").toString());
    env.put("AWS_SHARED_CREDENTIALS_FILE", tmp.resolve("no-credentials").toString());
    Programs.Run r = Programs.run(tmp, env, Programs.PYTHON, script.toString());
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("boto3 suite: ok");
  }
}
