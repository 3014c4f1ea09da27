package io.parley.bench;

import io.parley.auth.api.AccessTokens;
import io.parley.common.Caller;
import io.parley.testing.ParleyNodeExtension;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.util.List;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the growth benchmark's seeder writes is what a node reads: a seeded user lists their
 * conversations, pages history and sends the next seq, and the start-up migrations find nothing to do.
 * If the stored layout changes and the seeder does not follow, this fails.
 */
class SeedStoreTest {

  private static final String SECRET = "s".repeat(48);

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess().manual()
    .with(new JsonObject().put("auth", new JsonObject().put("jwt_secret", SECRET)));

  @Test
  void a_seeded_store_reads_like_one_the_node_wrote() throws Exception {
    assertEquals(2 * 3 * 120, SeedStore.seed(node.dataDir(), 2, 3, 120));
    await(node.start(new JsonObject()));
    String token = new AccessTokens(node.vertx(), SECRET, "parley", 300, Clock.systemUTC())
      .issue(new Caller("seed-1", "seed-1-alice", "seed-1-alice"));

    JsonArray conversations = await(node.rest().expectGet(200, "/conversations", token)).getJsonArray("conversations");
    assertEquals(3, conversations.size());
    assertTrue(conversations.stream().allMatch(c -> ((JsonObject) c).getLong("unread") == 0), conversations.encode());

    JsonObject newest = await(node.rest().history(token, "seed-1-c2", ""));
    List<Long> seqs = newest.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getLong("seq")).toList();
    assertEquals(71L, seqs.get(0));
    assertEquals(120L, seqs.get(seqs.size() - 1));
    assertTrue(newest.getBoolean("hasMore"));
    assertEquals(121L, await(node.rest().send(token, "seed-1-c2", "after-seed", "hello")).getLong("seq"));

    MongoClient mongo = MongoClient.create(node.vertx(), new JsonObject()
      .put("connection_string", node.mongoConnectionString()).put("db_name", "parley"));
    try {
      for (String migration : SeedStore.MIGRATIONS_DONE) {
        assertEquals("seed", await(mongo.findOne("migrations", new JsonObject().put("_id", migration), null)).getString("by"),
          "the node found " + migration + " already done");
      }
      assertEquals(SeedStore.MIGRATIONS_DONE.size(), await(mongo.count("migrations", new JsonObject())),
        "no migration the seeder does not know of");
    } finally {
      await(mongo.close());
    }
  }
}
