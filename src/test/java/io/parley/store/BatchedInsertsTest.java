package io.parley.store;

import io.parley.testing.EmbeddedStore;
import io.parley.testing.NodeProcess;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inserts that arrive together go out as bulk inserts, and each caller still gets its own outcome:
 * tried with 60 concurrent inserts of which 6 reuse an id already stored and 3 pairs collide with each
 * other, in batches of at most 8.
 */
class BatchedInsertsTest {

  @RegisterExtension
  final EmbeddedStore store = new EmbeddedStore();

  @Test
  void each_insert_of_a_batch_gets_its_own_outcome() throws Exception {
    for (int i = 0; i < 6; i++) {
      await(store.mongo().insert("batched", new JsonObject().put("_id", "taken-" + i)));
    }
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 48; i++) {
      ids.add("new-" + i);
    }
    for (int i = 0; i < 6; i++) {
      ids.add(i * 9, "taken-" + i);
    }
    for (int i = 0; i < 3; i++) {
      ids.add("new-" + (i * 10)); // a second insert of an id this same run inserts
    }

    List<Future<Void>> outcomes = await(Future.<List<Future<Void>>>future(started ->
      store.vertx().getOrCreateContext().runOnContext(v -> {
        BatchedInserts inserts = new BatchedInserts(store.mongo(), "batched", 8);
        started.complete(ids.stream().map(id -> inserts.insert(new JsonObject().put("_id", id).put("v", id))).toList());
      })));
    await(Future.join(outcomes).otherwiseEmpty());

    int failed = 0;
    for (int i = 0; i < ids.size(); i++) {
      Future<Void> outcome = outcomes.get(i);
      boolean expectedDuplicate = ids.get(i).startsWith("taken-") || i >= 54;
      if (expectedDuplicate) {
        assertTrue(outcome.failed() && MongoErrors.isDuplicateKey(outcome.cause()), ids.get(i) + " at " + i + ": " + outcome);
        failed++;
      } else {
        assertTrue(outcome.succeeded(), ids.get(i) + " at " + i + ": " + outcome.cause());
      }
    }
    assertEquals(9, failed);
    assertEquals(54L, await(store.mongo().count("batched", new JsonObject())), "6 taken before, 48 new");
  }

  /**
   * With no store to reach, the first insert goes out alone and waits out server selection; the ones
   * that queued behind it fail with it, not as further batches that would each wait it out again
   * (seen failing without that: the last of 20 in batches of 8 failed after 4 selection timeouts).
   */
  @Test
  void inserts_queued_behind_a_batch_that_found_no_store_fail_with_it() throws Exception {
    long selectionMs = 500;
    MongoClient nowhere = MongoClient.create(store.vertx(), new JsonObject()
      .put("connection_string", "mongodb://127.0.0.1:" + NodeProcess.freePort()).put("db_name", "parley")
      .put("serverSelectionTimeoutMS", selectionMs));
    try {
      long started = System.nanoTime();
      List<Future<Void>> outcomes = await(Future.<List<Future<Void>>>future(queued ->
        store.vertx().getOrCreateContext().runOnContext(v -> {
          BatchedInserts inserts = new BatchedInserts(nowhere, "batched", 8);
          queued.complete(IntStream.range(0, 20).mapToObj(i -> inserts.insert(new JsonObject().put("_id", "m-" + i))).toList());
        })));
      await(Future.join(outcomes).otherwiseEmpty());
      long tookMs = (System.nanoTime() - started) / 1_000_000;
      for (Future<Void> outcome : outcomes) {
        assertTrue(outcome.failed() && MongoErrors.isUnavailable(outcome.cause()), String.valueOf(outcome.cause()));
      }
      assertTrue(tookMs < 2 * selectionMs, "all failed within one server selection, took " + tookMs + " ms");
    } finally {
      await(nowhere.close());
    }
  }
}
