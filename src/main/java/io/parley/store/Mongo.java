package io.parley.store;

import io.parley.config.ParleyConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;

import java.util.List;
import java.util.Map;

/** Creates the node's MongoDB client; verticle instances share one pool; every call is timed ({@link TimedMongo}). */
public final class Mongo {

  private static final String POOL = "parley";

  private Mongo() {
  }

  /**
   * The timeouts bound every call while the store is unreachable (refused or silent): these keys
   * override the connection string's. A killed store fails calls after server selection; a frozen one
   * keeps its port open, and only the socket timeout ends a call sent to it (the driver has none by
   * default). Either way the call fails with a {@link MongoErrors#isUnavailable} error.
   */
  public static MongoClient client(Vertx vertx, ParleyConfig config) {
    JsonObject options = new JsonObject()
      .put("connection_string", config.mongoConnectionString())
      .put("db_name", config.mongoDatabase())
      .put("serverSelectionTimeoutMS", config.mongoServerSelectionTimeoutMs())
      .put("connectTimeoutMS", config.mongoConnectTimeoutMs())
      .put("socketTimeoutMS", config.mongoSocketTimeoutMs());
    if (!config.mongoEmbedded()) {
      // An ack to a client means durably stored: majority implies journaled on a replica set.
      options.put("writeConcern", "MAJORITY");
    }
    return TimedMongo.wrap(MongoClient.createShared(vertx, options, POOL));
  }

  /**
   * Raises {@code field} of each document (by {@code _id}) to its value, never lowering it: one
   * unordered bulk write of {@code $max} updates. A missing document is left missing.
   */
  public static Future<Void> raiseById(MongoClient mongo, String collection, String field, Map<String, Long> values) {
    List<BulkOperation> updates = values.entrySet().stream()
      .map(value -> BulkOperation.createUpdate(new JsonObject().put("_id", value.getKey()),
        new JsonObject().put("$max", new JsonObject().put(field, value.getValue()))))
      .toList();
    return mongo.bulkWriteWithOptions(collection, updates, new BulkWriteOptions(false)).mapEmpty();
  }

  /** Creates an index if missing; concern verticles call this for the collections they own. */
  public static Future<Void> index(MongoClient mongo, String collection, JsonObject keys, boolean unique) {
    return mongo.createIndexWithOptions(collection, keys, new IndexOptions().unique(unique));
  }
}
