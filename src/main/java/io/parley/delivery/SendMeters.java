package io.parley.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.parley.common.ErrorCodes;
import io.parley.common.Meters;
import io.parley.delivery.api.DeliveryError;
import io.parley.rooms.api.RoomsError;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Counts each send by how it was answered ({@code parley_sends_total{outcome}}: {@code accepted},
 * {@code duplicate}, or the refusal's code, e.g. {@code CONVERSATION_NOT_FOUND}) and times each ack, from
 * the request's arrival at delivery to its answer ({@code parley_send_seconds}, a histogram). Meters are
 * looked up once per outcome; the codes are declared enums, so the label stays bounded.
 */
final class SendMeters {

  /** What a send can fail with: its own and rooms' codes (membership), besides the common ones. */
  private static final ErrorCodes CODES = new ErrorCodes(List.of(RoomsError.values(), DeliveryError.values()));

  private final MeterRegistry registry = Meters.registry();
  private final Map<String, Counter> byOutcome = new ConcurrentHashMap<>();
  private final Timer acked = Timer.builder("parley_send").description("sends from arrival at delivery to their ack")
    .serviceLevelObjectives(Meters.LATENCY_BUCKETS).register(registry);

  /** Runs a send (validation included, so refused input counts too) and records how it was answered. */
  Future<JsonObject> measure(Supplier<Future<JsonObject>> send) {
    long started = System.nanoTime();
    Future<JsonObject> answer;
    try {
      answer = send.get();
    } catch (RuntimeException refused) {
      answer = Future.failedFuture(refused);
    }
    return answer.onComplete(ar -> {
      if (ar.succeeded()) {
        acked.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        count(ar.result().getBoolean("duplicate", false) ? "duplicate" : "accepted");
      } else {
        count(CODES.of(MongoErrors.classify(ar.cause())).code());
      }
    });
  }

  private void count(String outcome) {
    byOutcome.computeIfAbsent(outcome, o -> Counter.builder("parley_sends").description("sends by how they were answered")
      .tag("outcome", o).register(registry)).increment();
  }
}
