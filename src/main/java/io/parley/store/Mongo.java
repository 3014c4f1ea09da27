package io.parley.store;

import io.parley.config.ParleyConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;

/** Creates the node's MongoDB client; verticle instances share one pool. */
public final class Mongo {

  private static final String POOL = "parley";

  private Mongo() {
  }

  public static MongoClient client(Vertx vertx, ParleyConfig config) {
    JsonObject options = new JsonObject()
      .put("connection_string", config.mongoConnectionString())
      .put("db_name", config.mongoDatabase())
      .put("serverSelectionTimeoutMS", 5000)
      .put("connectTimeoutMS", 5000);
    if (!config.mongoEmbedded()) {
      // An ack to a client means durably stored: majority implies journaled on a replica set.
      options.put("writeConcern", "MAJORITY");
    }
    return MongoClient.createShared(vertx, options, POOL);
  }

  /** Creates an index if missing; concern verticles call this for the collections they own. */
  public static Future<Void> index(MongoClient mongo, String collection, JsonObject keys, boolean unique) {
    return mongo.createIndexWithOptions(collection, keys, new IndexOptions().unique(unique));
  }
}
