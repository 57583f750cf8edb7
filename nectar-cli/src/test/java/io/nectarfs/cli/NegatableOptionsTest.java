package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * Every on/off option means what it says: {@code --x} switches on, {@code --no-x} switches off,
 * neither gives the documented default. (picocli's negatable options invert a default of true
 * when declared by their positive name, which once made {@code --checksum} switch checksums off.)
 */
class NegatableOptionsTest {
  private static Object parse(String command, String option) {
    List<String> args = new ArrayList<>(List.of(command, "sqlite3:///tmp/x.db"));
    args.add(command.equals("format") ? "vol" : "/tmp/mnt");
    if (!option.isEmpty()) {
      args.add(option);
    }
    CommandLine.ParseResult r = Nectar.commandLine().parseArgs(args.toArray(String[]::new));
    return r.subcommand().commandSpec().userObject();
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
      "mount, '', keepCache, true", "mount, --keep-cache, keepCache, true", "mount, --no-keep-cache, keepCache, false",
      "mount, '', defaultPermissions, true", "mount, --default-permissions, defaultPermissions, true",
      "mount, --no-default-permissions, defaultPermissions, false",
      "mount, '', exec, true", "mount, --exec, exec, true", "mount, --no-exec, exec, false",
      "mount, '', suid, false", "mount, --suid, suid, true", "mount, --no-suid, suid, false",
      "mount, '', dev, false", "mount, --dev, dev, true", "mount, --no-dev, dev, false",
      "format, '', checksum, true", "format, --checksum, checksum, true", "format, --no-checksum, checksum, false",
  })
  void onOffOptions_meanWhatTheySay(String command, String option, String field, boolean expected) throws Exception {
    Object cmd = parse(command, option);
    var f = cmd.getClass().getDeclaredField(field);
    f.setAccessible(true);
    assertThat(f.getBoolean(cmd)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"mount, keep-cache", "mount, default-permissions", "mount, exec", "format, checksum"})
  void helpShowsBothForms(String command, String name) {
    java.io.StringWriter out = new java.io.StringWriter();
    CommandLine cl = Nectar.commandLine();
    cl.setOut(new java.io.PrintWriter(out));
    cl.execute(command, "--help");
    Predicate<String> both = s -> s.contains("--[no-]" + name);
    assertThat(out.toString()).matches(both);
  }
}
