package io.parley.common;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.Arrays;
import java.util.Set;

/** The registry Vert.x scrapes for /metrics, so Parley's own meters appear beside Vert.x's. */
public final class Meters {

  /**
   * Bucket bounds ({@code le}) of the latency histograms, 1 ms to 10 s: what {@code histogram_quantile}
   * needs for p50/p99, at 14 series per tag set rather than the ~70 of Micrometer's default histogram.
   */
  public static final Duration[] LATENCY_BUCKETS = Arrays.stream(new double[] {1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000})
    .mapToObj(ms -> Duration.ofNanos((long) (ms * 1_000_000))).toArray(Duration[]::new);

  /** Latency timers that libraries register without buckets: Vert.x's Redis client ({@code vertx_redis_processing_time_seconds}). */
  private static final Set<String> LIBRARY_LATENCIES = Set.of("vertx.redis.processing.time");

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

  /** Publishes the library timers of {@link #LIBRARY_LATENCIES} with {@link #LATENCY_BUCKETS}; configure it before Vert.x registers them. */
  public static MeterFilter libraryLatencyHistograms() {
    double[] nanos = Arrays.stream(LATENCY_BUCKETS).mapToDouble(Duration::toNanos).toArray();
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        return LIBRARY_LATENCIES.contains(id.getName())
          ? DistributionStatisticConfig.builder().serviceLevelObjectives(nanos).build().merge(config)
          : config;
      }
    };
  }
}
