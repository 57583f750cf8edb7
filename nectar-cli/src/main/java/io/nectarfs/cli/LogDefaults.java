package io.nectarfs.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * The CLI's logging unless the user names a logback file ({@code -Dlogback.configurationFile=…},
 * through {@code NECTAR_JAVA_OPTS}): warnings and errors on standard error, one line each.
 *
 * <p>Configured in code, found by logback as a service, because parsing a {@code logback.xml} costs
 * about 0.3 s of every command's start (an XML parser and logback's model classes; measured with
 * {@code -Xlog:class+load:uptime}). The line is made by {@link Line}, not by logback's pattern
 * layout, whose start (its parser and fifty converters) was another 0.1 s of CPU in every command
 * (measured with async-profiler). {@link Cli#configureLogging} then sets the levels for
 * {@code --verbose}.
 */
public final class LogDefaults extends ContextAwareBase implements Configurator {
  /**
   * A log line: {@code HH:mm:ss.SSS LEVEL logger: message}, the level padded to five, the logger
   * abbreviated to about 20 characters as logback does ({@code i.n.cli.Keeper}), and the stack
   * trace of the event's exception, if any, on the lines after.
   */
  static final class Line extends LayoutBase<ILoggingEvent> {
    private final TargetLengthBasedClassNameAbbreviator abbreviator = new TargetLengthBasedClassNameAbbreviator(20);

    @Override
    public String doLayout(ILoggingEvent e) {
      java.time.LocalTime t = java.time.LocalTime.ofInstant(java.time.Instant.ofEpochMilli(e.getTimeStamp()), java.time.ZoneId.systemDefault());
      StringBuilder b = new StringBuilder(128);
      b.append(two(t.getHour())).append(':').append(two(t.getMinute())).append(':').append(two(t.getSecond())).append('.');
      int ms = t.getNano() / 1_000_000;
      b.append(ms < 100 ? ms < 10 ? "00" : "0" : "").append(ms).append(' ');
      String level = e.getLevel().toString();
      b.append(level).append(" ".repeat(Math.max(0, 5 - level.length()))).append(' ');
      b.append(abbreviator.abbreviate(e.getLoggerName())).append(": ").append(e.getFormattedMessage()).append(System.lineSeparator());
      IThrowableProxy thrown = e.getThrowableProxy();
      if (thrown != null) {
        b.append(ThrowableProxyUtil.asString(thrown)).append(System.lineSeparator());
      }
      return b.toString();
    }

    private static String two(int v) {
      return v < 10 ? "0" + v : Integer.toString(v);
    }
  }

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    Line line = new Line();
    line.setContext(context);
    line.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(line);
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
