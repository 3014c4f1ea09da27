package io.parley.store;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoWriteException;
import com.mongodb.bulk.BulkWriteError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.MongoClient;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Inserts into one collection, batched: an insert goes out at once when none is out, and the ones
 * that arrive meanwhile go together, as one unordered bulk insert, when it returns. Under load that
 * is one store round trip for many inserts instead of one each; alone, an insert waits for nothing.
 *
 * <p>Each caller gets its own outcome, as from a single insert: success, or its own write error as a
 * {@link MongoWriteException} (so {@link MongoErrors#isDuplicateKey} reads it the same way); a
 * failure of the whole batch fails every insert in it. When that failure is an outage
 * ({@link MongoErrors#isUnavailable}), the inserts that queued up behind the batch fail with it at
 * once: sent as the next batch they would only wait out the same timeout again, and a caller queued
 * behind several would outwait its own request timeout instead of hearing SERVICE_UNAVAILABLE.
 *
 * <p>Safe to call from any thread (a verticle calls it from its context; tests from their own).
 */
public final class BatchedInserts {

  private final MongoClient mongo;
  private final String collection;
  private final int maxBatch;

  private List<JsonObject> documents = new ArrayList<>();
  private List<Promise<Void>> waiting = new ArrayList<>();
  private boolean writing;

  public BatchedInserts(MongoClient mongo, String collection, int maxBatch) {
    this.mongo = mongo;
    this.collection = collection;
    this.maxBatch = maxBatch;
  }

  /** Inserts the document (it must carry its {@code _id}). */
  public Future<Void> insert(JsonObject document) {
    Promise<Void> inserted = Promise.promise();
    boolean start;
    synchronized (this) {
      documents.add(document);
      waiting.add(inserted);
      start = !writing;
      writing = true;
    }
    if (start) {
      write();
    }
    return inserted.future();
  }

  private void write() {
    List<JsonObject> batch;
    List<Promise<Void>> batchWaiting;
    synchronized (this) {
      int size = Math.min(documents.size(), maxBatch);
      batch = new ArrayList<>(documents.subList(0, size));
      batchWaiting = new ArrayList<>(waiting.subList(0, size));
      documents = new ArrayList<>(documents.subList(size, documents.size()));
      waiting = new ArrayList<>(waiting.subList(size, waiting.size()));
    }
    List<BulkOperation> inserts = batch.stream().map(BulkOperation::createInsert).toList();
    mongo.bulkWriteWithOptions(collection, inserts, new BulkWriteOptions(false)).onComplete(done -> {
      Map<Integer, BulkWriteError> errors = done.failed() ? errorsByIndex(done.cause()) : Map.of();
      for (int i = 0; i < batchWaiting.size(); i++) {
        BulkWriteError error = errors.get(i);
        if (error != null) {
          MongoBulkWriteException bulk = (MongoBulkWriteException) done.cause();
          batchWaiting.get(i).fail(new MongoWriteException(error, bulk.getServerAddress(), bulk.getErrorLabels()));
        } else if (done.failed() && errors.isEmpty()) {
          batchWaiting.get(i).fail(done.cause());
        } else {
          batchWaiting.get(i).complete();
        }
      }
      List<Promise<Void>> queuedBehind = List.of();
      boolean more;
      synchronized (this) {
        if (done.failed() && MongoErrors.isUnavailable(done.cause())) {
          queuedBehind = waiting;
          documents = new ArrayList<>();
          waiting = new ArrayList<>();
        }
        more = !documents.isEmpty();
        writing = more;
      }
      queuedBehind.forEach(promise -> promise.fail(done.cause()));
      if (more) {
        write();
      }
    });
  }

  /** Per-document errors of a bulk insert; empty when the batch failed as a whole. */
  private static Map<Integer, BulkWriteError> errorsByIndex(Throwable failure) {
    Map<Integer, BulkWriteError> errors = new HashMap<>();
    if (failure instanceof MongoBulkWriteException bulk && bulk.getWriteConcernError() == null) {
      for (BulkWriteError error : bulk.getWriteErrors()) {
        errors.put(error.getIndex(), error);
      }
    }
    return errors;
  }
}
