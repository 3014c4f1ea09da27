package io.parley.common;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.vertx.micrometer.backends.BackendRegistries;

/** The registry Vert.x scrapes for /metrics, so Parley's own meters appear beside Vert.x's. */
public final class Meters {

  private Meters() {
  }

  public static MeterRegistry registry() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    return registry != null ? registry : Metrics.globalRegistry;
  }

  /** Counts a request refused by a limit, by which limit ({@code parley_rate_limited_total{kind}}). */
  public static void rateLimited(String kind) {
    Counter.builder("parley_rate_limited").description("requests refused by a limit, by limit").tag("kind", kind)
      .register(registry()).increment();
  }
}
