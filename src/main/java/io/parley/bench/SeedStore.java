package io.parley.bench;

import io.parley.store.EmbeddedMongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.MongoClient;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fills an embedded data directory (node stopped) with many tenants' conversations and messages, for
 * the growth benchmark: {@code java -cp parley.jar io.parley.bench.SeedStore <dataDir> <tenants>
 * <conversationsPerTenant> <messagesPerConversation>}. Sending a million messages through the API
 * would take hours; this writes the documents the concerns would have written, in bulk. It follows the
 * stored layout of docs/ARCHITECTURE.md ("Data"), and {@code SeedStoreTest} reads what it writes back
 * through a real node, so a layout change that it misses fails a test.
 */
public final class SeedStore {

  private static final int BATCH = 2_000;
  /** What is seeded is already in the current layout: the start-up migrations have nothing to do. */
  static final List<String> MIGRATIONS_DONE = List.of("delivery.message-ids-by-place", "rooms.key-lists", "auth.refresh-spends-by-key");

  private SeedStore() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: SeedStore <dataDir> <tenants> <conversationsPerTenant> <messagesPerConversation>");
      System.exit(2);
    }
    long started = System.nanoTime();
    long seeded = seed(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
    System.out.printf("seeded %d messages in %.1f s%n", seeded, (System.nanoTime() - started) / 1e9);
  }

  /** Blocking; returns the number of messages written. */
  public static long seed(Path dataDir, int tenants, int conversations, int messages) throws Exception {
    EmbeddedMongo store = EmbeddedMongo.start(dataDir, 0);
    Vertx vertx = Vertx.vertx();
    MongoClient mongo = MongoClient.create(vertx, new JsonObject().put("connection_string", store.connectionString()).put("db_name", "parley"));
    try {
      long written = 0;
      for (String migration : MIGRATIONS_DONE) {
        await(mongo.save("migrations", new JsonObject().put("_id", migration).put("rewritten", 0).put("by", "seed")));
      }
      for (int t = 0; t < tenants; t++) {
        written += seedTenant(mongo, "seed-" + t, conversations, messages);
      }
      return written;
    } finally {
      mongo.close().toCompletionStage().toCompletableFuture().get();
      vertx.close().toCompletionStage().toCompletableFuture().get();
      store.close();
    }
  }

  private static long seedTenant(MongoClient mongo, String tenant, int conversations, int messages) throws Exception {
    String alice = tenant + "-alice";
    String bob = tenant + "-bob";
    List<Future<?>> writes = new ArrayList<>();
    for (String user : List.of(alice, bob)) {
      writes.add(mongo.insert("users", new JsonObject().put("_id", user).put("tenant", tenant).put("username", user)
        .put("usernameKey", user).put("passwordHash", "seeded-no-login").put("createdAt", 0L)));
    }
    List<BulkOperation> bulk = new ArrayList<>();
    JsonArray conversationIds = new JsonArray();
    long written = 0;
    for (int c = 0; c < conversations; c++) {
      String id = tenant + "-c" + c;
      conversationIds.add(id);
      bulk.add(BulkOperation.createInsert(new JsonObject().put("_id", id).put("tenant", tenant).put("type", "room")
        .put("visibility", "private").put("name", "seeded " + c).put("createdBy", alice).put("createdAt", 0L)
        .put("lastSeq", (long) messages)));
      for (String user : List.of(alice, bob)) {
        writes.add(mongo.insert("memberships", new JsonObject().put("_id", id + ":" + user).put("tenant", tenant)
          .put("conversationId", id).put("userId", user).put("username", user).put("role", "member")
          .put("readSeq", (long) messages).put("joinedAt", 0L)));
      }
      writes.add(mongo.save("conversation_members", new JsonObject().put("_id", id).put("ids", new JsonArray().add(alice).add(bob))));
      List<BulkOperation> batch = new ArrayList<>();
      for (long seq = 1; seq <= messages; seq++) {
        String sender = seq % 2 == 0 ? alice : bob;
        batch.add(BulkOperation.createInsert(new JsonObject().put("_id", id + ":" + seq).put("tenant", tenant)
          .put("conversationId", id).put("seq", seq).put("senderId", sender).put("senderName", sender)
          .put("clientMsgId", "seed-" + seq).put("text", "seeded message " + seq + " of about a hundred bytes, like a chat line")
          .put("createdAt", seq)));
        if (batch.size() == BATCH) {
          await(mongo.bulkWrite("messages", batch));
          written += batch.size();
          batch = new ArrayList<>();
        }
      }
      if (!batch.isEmpty()) {
        await(mongo.bulkWrite("messages", batch));
        written += batch.size();
      }
    }
    await(mongo.bulkWrite("conversations", bulk));
    for (String user : List.of(alice, bob)) {
      writes.add(mongo.save("user_conversations", new JsonObject().put("_id", tenant + ":" + user).put("ids", conversationIds)));
    }
    await(Future.all(writes));
    return written;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get();
  }
}
