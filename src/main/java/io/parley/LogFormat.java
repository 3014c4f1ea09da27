package io.parley;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code log.format} once the config is read: logging starts before it (logback.xml reads
 * PARLEY_LOG_FORMAT itself, so set by the environment even the first lines have the format), and a
 * format named only in a config file takes over from there.
 */
final class LogFormat {

  static final String PROPERTY = "parley.log.format";

  private LogFormat() {
  }

  static void apply(String format) {
    String current = System.getProperty(PROPERTY, System.getenv().getOrDefault("PARLEY_LOG_FORMAT", "text"));
    if (format.equals(current) || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    System.setProperty(PROPERTY, format);
    context.reset();
    try {
      new ContextInitializer(context).autoConfig();
    } catch (JoranException e) {
      throw new IllegalStateException("logback.xml could not be applied again", e);
    }
  }
}
