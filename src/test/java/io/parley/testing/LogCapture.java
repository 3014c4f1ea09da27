package io.parley.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * What an in-process node logs while the capture is open: every logger through the root, Parley's own
 * at DEBUG (as an operator would set PARLEY_LOG_LEVEL to investigate). {@link #stop()} returns it.
 */
public final class LogCapture implements AutoCloseable {

  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Level parleyLevel;
  private boolean stopped;

  private LogCapture() {
    Logger root = root();
    appender.setContext(root.getLoggerContext());
    appender.start();
    root.addAppender(appender);
    Logger parley = (Logger) LoggerFactory.getLogger("io.parley");
    parleyLevel = parley.getLevel();
    parley.setLevel(Level.DEBUG);
  }

  public static LogCapture start() {
    return new LogCapture();
  }

  /** Stops capturing and returns what was logged. */
  public List<ILoggingEvent> stop() {
    if (!stopped) {
      stopped = true;
      root().detachAppender(appender);
      ((Logger) LoggerFactory.getLogger("io.parley")).setLevel(parleyLevel);
      appender.stop();
    }
    synchronized (appender) {
      return new ArrayList<>(appender.list);
    }
  }

  /** Everything of the event a log could show: message, stack trace, arguments, MDC. */
  public static String rendered(ILoggingEvent event) {
    StringBuilder text = new StringBuilder(String.valueOf(event.getFormattedMessage()));
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      text.append('\n').append(ThrowableProxyUtil.asString(thrown));
    }
    if (event.getArgumentArray() != null) {
      for (Object argument : event.getArgumentArray()) {
        text.append('\n').append(argument);
      }
    }
    if (event.getMDCPropertyMap() != null) {
      text.append('\n').append(event.getMDCPropertyMap());
    }
    return text.toString();
  }

  /** Events at ERROR or carrying a stack trace: what bad input must never produce. */
  public static List<ILoggingEvent> errorsOrStackTraces(List<ILoggingEvent> events) {
    return events.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR) || e.getThrowableProxy() != null).toList();
  }

  @Override
  public void close() {
    stop();
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
