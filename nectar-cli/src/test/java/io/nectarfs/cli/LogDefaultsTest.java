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
