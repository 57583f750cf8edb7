package io.nectarfs.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * The CLI's logging unless the user names a logback file ({@code -Dlogback.configurationFile=…},
 * through {@code NECTAR_JAVA_OPTS}): warnings and errors on standard error, one line each.
 *
 * <p>Configured in code, found by logback as a service, because parsing a {@code logback.xml} costs
 * about 0.3 s of every command's start (an XML parser and logback's model classes; measured with
 * {@code -Xlog:class+load:uptime}). {@link Cli#configureLogging} then sets the levels for
 * {@code --verbose}.
 */
public final class LogDefaults extends ContextAwareBase implements Configurator {
  /** The layout of a log line. */
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{20}: %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(stderr);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
