package io.parley.testing;

import io.parley.store.EmbeddedMongo;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;


/**
 * The real embedded MongoDB-wire store (mongo-java-server on H2, as a node runs it) in a fresh
 * directory per test, with a Vert.x and a client on it: for unit tests of the concern services, which
 * run their rules against a real store without a node or an event bus.
 */
public final class EmbeddedStore implements BeforeEachCallback, AfterEachCallback {

  private Vertx vertx;
  private Path dataDir;
  private EmbeddedMongo store;
  private MongoClient mongo;

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    vertx = Vertx.vertx();
    dataDir = Files.createTempDirectory("parley-store-");
    store = EmbeddedMongo.start(dataDir, 0);
    mongo = MongoClient.create(vertx, new JsonObject()
      .put("connection_string", store.connectionString()).put("db_name", "parley"));
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    Async.await(mongo.close());
    store.close();
    Async.await(vertx.close());
    ParleyNodeExtension.deleteTree(dataDir);
  }

  public Vertx vertx() {
    return vertx;
  }

  public MongoClient mongo() {
    return mongo;
  }

  public EmbeddedMongo embedded() {
    return store;
  }

  public String connectionString() {
    return store.connectionString();
  }
}
