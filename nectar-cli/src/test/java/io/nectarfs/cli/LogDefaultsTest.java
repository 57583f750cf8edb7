package io.nectarfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The CLI's logging without a logback file: warnings up, to standard error, one line each. */
class LogDefaultsTest {
  @Test
  void configuresWarningsToStandardError_andIsTheOneLogbackUses() {
    LoggerContext ctx = new LoggerContext();
    assertThat(new LogDefaults().configure(ctx)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
    ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.WARN);
    assertThat(root.getAppender("STDERR")).isInstanceOfSatisfying(ConsoleAppender.class, a -> {
      assertThat(a.getTarget()).isEqualTo("System.err");
      assertThat(a.isStarted()).isTrue();
    });
    // found by logback as a service: the test JVM's logging came from it
    LoggerContext used = (LoggerContext) LoggerFactory.getILoggerFactory();
    assertThat(used.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR")).isInstanceOf(ConsoleAppender.class);
  }

  @Test
  void aLine_isTimeLevelAbbreviatedLoggerAndMessage_thenTheStackTrace() {
    LoggerContext ctx = new LoggerContext();
    ch.qos.logback.classic.Logger logger = ctx.getLogger("io.nectarfs.cli.Keeper");
    java.time.ZonedDateTime at = java.time.ZonedDateTime.of(2026, 12, 2, 7, 5, 9, 42_000_000, java.time.ZoneId.systemDefault());
    ch.qos.logback.classic.spi.LoggingEvent e = new ch.qos.logback.classic.spi.LoggingEvent(
        "x", logger, Level.WARN, "worker pid {} died", null, new Object[] {17});
    e.setTimeStamp(at.toInstant().toEpochMilli());
    LogDefaults.Line line = new LogDefaults.Line();
    line.setContext(ctx);
    assertThat(line.doLayout(e)).isEqualTo("07:05:09.042 WARN  i.n.cli.Keeper: worker pid 17 died" + System.lineSeparator());
    ch.qos.logback.classic.spi.LoggingEvent failed = new ch.qos.logback.classic.spi.LoggingEvent(
        "x", logger, Level.ERROR, "gave up", new java.io.IOException("disk gone"), null);
    failed.setTimeStamp(at.toInstant().toEpochMilli());
    assertThat(line.doLayout(failed)).startsWith("07:05:09.042 ERROR i.n.cli.Keeper: gave up" + System.lineSeparator() + "java.io.IOException: disk gone")
        .contains("\tat io.nectarfs.cli.LogDefaultsTest.");
  }

  @Test
  void aLogbackFileNamedByTheUser_wins() {
    String before = System.getProperty("logback.configurationFile");
    System.setProperty("logback.configurationFile", "/nonexistent/logback.xml");
    try {
      LoggerContext ctx = new LoggerContext();
      assertThat(new LogDefaults().configure(ctx)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
      assertThat(ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR")).isNull();
    } finally {
      if (before == null) {
        System.clearProperty("logback.configurationFile");
      } else {
        System.setProperty("logback.configurationFile", before);
      }
    }
  }
}
