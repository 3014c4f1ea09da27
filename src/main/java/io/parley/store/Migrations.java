package io.parley.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One-time rewrites of data written by an earlier layout, run by the owning concern at start. Each is
 * named, recorded in {@code migrations} once done, and idempotent: instances starting together may
 * both run it, and a crash half-way is finished by the next start.
 */
public final class Migrations {

  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
  static final String MIGRATIONS = "migrations";

  private Migrations() {
  }

  /** Runs {@code work} unless migration {@code name} is recorded as done; records it afterwards. */
  public static Future<Void> once(MongoClient mongo, String name, Supplier<Future<Integer>> work) {
    return mongo.findOne(MIGRATIONS, new JsonObject().put("_id", name), null).compose(done -> {
      if (done != null) {
        return Future.succeededFuture();
      }
      return work.get().compose(rewritten -> {
        if (rewritten > 0) {
          LOG.info("migration {}: {} documents rewritten", name, rewritten);
        }
        return mongo.save(MIGRATIONS, new JsonObject().put("_id", name).put("rewritten", rewritten)
          .put("at", System.currentTimeMillis())).mapEmpty();
      });
    });
  }

  /**
   * Applies {@code step} to every document of {@code collection}, one at a time (the read pauses while a
   * step writes); completes with the number of steps that answered true, once the last one is done.
   */
  public static Future<Integer> forEach(MongoClient mongo, String collection, Function<JsonObject, Future<Boolean>> step) {
    Promise<Integer> done = Promise.promise();
    AtomicInteger changed = new AtomicInteger();
    AtomicReference<Future<Boolean>> inFlight = new AtomicReference<>(Future.succeededFuture(false));
    ReadStream<JsonObject> all = mongo.findBatchWithOptions(collection, new JsonObject(), new FindOptions().setBatchSize(500));
    all.exceptionHandler(done::tryFail);
    // The stream may end while the last step is still writing: finish that one first.
    all.endHandler(v -> inFlight.get().onSuccess(w -> done.tryComplete(changed.get())).onFailure(done::tryFail));
    all.handler(document -> {
      all.pause();
      inFlight.set(step.apply(document).onSuccess(didChange -> {
        if (didChange) {
          changed.incrementAndGet();
        }
        all.resume();
      }).onFailure(done::tryFail));
    });
    return done.future();
  }
}
