package io.parley.delivery;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;

/** One warning per outage window, not one per message: during a Redis outage every send fails to publish. */
final class FanoutWarnings {

  private static final Logger LOG = LoggerFactory.getLogger(FanoutWarnings.class);
  private static final long INTERVAL_MS = 10_000;

  private final Clock clock;
  private long lastWarning = Long.MIN_VALUE / 2;
  private long suppressed;

  FanoutWarnings(Clock clock) {
    this.clock = clock;
  }

  void failed(Throwable err) {
    long now = clock.millis();
    if (now - lastWarning >= INTERVAL_MS) {
      LOG.warn("fan-out publish failed ({} more since the last warning); clients catch up by sync: {}", suppressed, err.toString());
      lastWarning = now;
      suppressed = 0;
    } else {
      suppressed++;
    }
  }
}
