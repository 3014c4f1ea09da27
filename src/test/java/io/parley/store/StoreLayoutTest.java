package io.parley.store;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import io.parley.testing.ParleyNodeExtension;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A data file written by the library's default H2 layout (Java-serialized documents and keys) opens in
 * Parley's (BSON documents, natively compared keys): every document and every unique key is carried
 * over, once, and survives the next restart.
 */
class StoreLayoutTest {

  private final Vertx vertx = Vertx.vertx();
  private final Path dir = createDir();

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
    ParleyNodeExtension.deleteTree(dir);
  }

  @Test
  void a_file_of_the_default_layout_is_carried_over_with_its_unique_indexes() throws Exception {
    MongoServer plain = new MongoServer(new H2Backend(dir.resolve("parley.mv").toString()));
    String address = "mongodb://127.0.0.1:" + plain.bind().getPort();
    withClient(address, mongo -> mongo.createIndexWithOptions("messages",
        new JsonObject().put("conversationId", 1).put("clientMsgId", 1), new IndexOptions().unique(true))
      .compose(v -> mongo.insert("messages", message("c1:1", 1, "a")))
      .compose(v -> mongo.insert("messages", message("c1:2", 2, "b"))));
    plain.shutdownNow();

    for (int start = 0; start < 2; start++) {
      EmbeddedMongo store = EmbeddedMongo.start(dir, 0);
      try {
        withClient(store.connectionString(), mongo -> mongo.findOne("messages", new JsonObject().put("_id", "c1:2"), null)
          .map(found -> {
            assertEquals(2L, found.getLong("seq"));
            assertEquals("hello b", found.getString("text"));
            return found;
          })
          .compose(v -> mongo.findOne("messages", new JsonObject().put("conversationId", "c1").put("clientMsgId", "a"), null))
          .map(found -> {
            assertEquals("c1:1", found.getString("_id"), "the unique index was carried over");
            return found;
          })
          .compose(v -> mongo.insert("messages", message("c1:9", 9, "a")).transform(ar -> {
            assertTrue(ar.failed() && MongoErrors.isDuplicateKey(ar.cause()), "the unique key still refuses a duplicate");
            return io.vertx.core.Future.succeededFuture();
          })));
      } finally {
        store.close();
      }
    }
  }

  private void withClient(String address, Function<MongoClient, io.vertx.core.Future<?>> work) throws Exception {
    MongoClient mongo = MongoClient.create(vertx, new JsonObject().put("connection_string", address).put("db_name", "parley"));
    try {
      await(work.apply(mongo));
    } finally {
      await(mongo.close());
    }
  }

  private static JsonObject message(String id, long seq, String clientMsgId) {
    return new JsonObject().put("_id", id).put("conversationId", "c1").put("seq", seq).put("clientMsgId", clientMsgId)
      .put("text", "hello " + clientMsgId).put("createdAt", 1L);
  }

  private static Path createDir() {
    try {
      return Files.createTempDirectory("parley-layout-");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
