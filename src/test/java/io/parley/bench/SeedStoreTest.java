package io.parley.bench;

import io.parley.auth.api.AccessTokens;
import io.parley.common.Caller;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the growth benchmark's seeder writes is what a node reads: a seeded user lists their
 * conversations, pages history (edited texts, reactions, threads), catches up on the seeded changes,
 * pages a seeded thread, and the next message, change and reply continue each sequence; the start-up
 * migrations find nothing to do. If the stored layout changes and the seeder does not follow, this fails.
 */
class SeedStoreTest {

  private static final String SECRET = "s".repeat(48);
  private static final String HEART = SeedStore.HEART;

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess().manual()
    .with(new JsonObject().put("auth", new JsonObject().put("jwt_secret", SECRET)));

  @Test
  void a_seeded_store_reads_like_one_the_node_wrote() throws Exception {
    // 2 tenants × 3 conversations × 120 messages; per conversation 6 threads of 3 replies, 36 changes, 18 users' reactions
    assertEquals(new SeedStore.Seeded(2 * 3 * 120, 2 * 3 * 36, 2 * 3 * 18, 2 * 3 * 18), SeedStore.seed(node.dataDir(), 2, 3, 120));
    await(node.start(new JsonObject()));
    AccessTokens tokens = new AccessTokens(node.vertx(), SECRET, "parley", 300, Clock.systemUTC());
    String alice = tokens.issue(new Caller("seed-1", "seed-1-alice", "seed-1-alice"));
    String bob = tokens.issue(new Caller("seed-1", "seed-1-bob", "seed-1-bob"));

    JsonArray conversations = await(node.rest().expectGet(200, "/conversations", alice)).getJsonArray("conversations");
    assertEquals(3, conversations.size());
    assertTrue(conversations.stream().allMatch(c -> ((JsonObject) c).getLong("unread") == 0), conversations.encode());

    JsonObject newest = await(node.rest().history(alice, "seed-1-c2", ""));
    Map<Long, JsonObject> page = bySeq(newest.getJsonArray("messages"));
    assertEquals(71L, page.keySet().stream().min(Long::compare).orElseThrow());
    assertEquals(120L, page.keySet().stream().max(Long::compare).orElseThrow());
    assertTrue(newest.getBoolean("hasMore"));
    assertEquals("seeded message 85, edited by its author", page.get(85L).getString("text"));
    assertTrue(page.get(85L).getLong("editedAt") > 120, page.get(85L).encode());
    assertEquals("seeded message 86 of about a hundred bytes, like a chat line", page.get(86L).getString("text"));
    assertNull(page.get(86L).getValue("editedAt"));
    assertEquals("seeded message 87, edited by its author", page.get(87L).getString("text"));
    assertEquals(reactions(SeedStore.THUMBS_UP, "seed-1-alice"), page.get(87L).getJsonArray("reactions"));
    assertEquals(reactions(SeedStore.THUMBS_UP, "seed-1-alice"), page.get(77L).getJsonArray("reactions"));
    assertNull(page.get(89L).getValue("reactions"), "the heart was taken off again");
    assertEquals(3L, page.get(81L).getLong("replyCount"));
    assertEquals(84L, page.get(81L).getLong("lastReplyAt"));
    assertEquals("seed-1-c2:81", page.get(83L).getString("threadOf"));
    assertEquals(2L, page.get(83L).getLong("threadSeq"));

    JsonObject synced = sync(alice, 120, 0);
    JsonArray changes = synced.getJsonArray("changes");
    assertEquals(36, changes.size());
    assertEquals(36L, synced.getLong("changeSeq"));
    assertFalse(synced.getBoolean("changesHaveMore"));
    for (int i = 0; i < changes.size(); i++) {
      assertEquals(i + 1L, changes.getJsonObject(i).getLong("changeSeq"), "gap-free, in order");
    }
    assertEquals(List.of("5 edited", "7 edited", "7 reacted", "9 reacted", "9 unreacted", "17 reacted", "25 edited"),
      changes.stream().limit(7).map(c -> ((JsonObject) c).getJsonObject("message").getLong("seq") + " " + ((JsonObject) c).getString("kind")).toList());
    assertEquals("seed-1-alice", changes.getJsonObject(2).getString("userId"));
    assertEquals(SeedStore.THUMBS_UP, changes.getJsonObject(2).getString("emoji"));

    JsonObject thread = await(node.rest().expectGet(200, "/messages/seed-1-c2:81/thread", alice));
    assertEquals(List.of(82L, 83L, 84L), seqs(thread.getJsonArray("messages")));
    assertEquals(List.of(1L, 2L, 3L), thread.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getLong("threadSeq")).toList());
    assertEquals(3L, thread.getJsonObject("parent").getLong("replyCount"));

    // what happens next continues every sequence: seq, changeSeq, threadSeq, each message's revisions and reactions
    assertEquals(121L, await(node.rest().send(alice, "seed-1-c2", "after-seed", "hello")).getLong("seq"));
    await(Rest.check(await(node.rest().call(HttpMethod.PUT, "/messages/seed-1-c2:110", alice,
      new JsonObject().put("text", "edited after seeding").put("clientChangeId", "after-1"))), 200));
    assertEquals(reactions(HEART, "seed-1-alice"), react(alice, 89, HEART).getJsonArray("reactions"));
    assertEquals(reactions(SeedStore.THUMBS_UP, "seed-1-alice"), react(alice, 77, SeedStore.THUMBS_UP).getJsonArray("reactions"),
      "alice's seeded thumbs-up is hers: adding it again changes nothing");
    JsonObject both = react(bob, 117, SeedStore.THUMBS_UP).getJsonArray("reactions").getJsonObject(0);
    assertEquals(2L, both.getLong("count"));
    assertEquals(List.of("seed-1-alice", "seed-1-bob"), both.getJsonArray("users").stream().map(u -> ((JsonObject) u).getString("userId")).toList());
    JsonObject reply = await(node.rest().expect(201, "/conversations/seed-1-c2/messages", bob,
      new JsonObject().put("clientMsgId", "reply-after-seed").put("text", "a fourth reply").put("threadOf", "seed-1-c2:83")));
    assertEquals(122L, reply.getLong("seq"));
    assertEquals("seed-1-c2:81", reply.getString("threadOf"));
    assertEquals(4L, reply.getLong("threadSeq"));

    JsonObject after = sync(alice, 122, 36);
    assertEquals(List.of("37 edited 110", "38 reacted 89", "39 reacted 117"), after.getJsonArray("changes").stream()
      .map(c -> (JsonObject) c).map(c -> c.getLong("changeSeq") + " " + c.getString("kind") + " " + c.getJsonObject("message").getLong("seq")).toList());
    assertEquals(List.of(82L, 83L, 84L, 122L), seqs(await(node.rest().expectGet(200, "/messages/seed-1-c2:81/thread", alice)).getJsonArray("messages")));

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

  /** Alice's catch-up of seed-1-c2 from (seq, changeSeq). */
  private JsonObject sync(String token, long seq, long changeSeq) throws Exception {
    return await(node.rest().expect(200, "/sync", token, new JsonObject().put("positions", new JsonObject()
      .put("seed-1-c2", new JsonObject().put("seq", seq).put("changeSeq", changeSeq))))).getJsonObject("conversations").getJsonObject("seed-1-c2");
  }

  private JsonObject react(String token, long seq, String emoji) throws Exception {
    return await(node.rest().expect(200, "/messages/seed-1-c2:" + seq + "/reactions", token, new JsonObject().put("emoji", emoji)));
  }

  private static JsonArray reactions(String emoji, String user) {
    return new JsonArray().add(new JsonObject().put("emoji", emoji).put("count", 1L)
      .put("users", new JsonArray().add(new JsonObject().put("userId", user).put("username", user))));
  }

  private static Map<Long, JsonObject> bySeq(JsonArray messages) {
    return messages.stream().map(m -> (JsonObject) m).collect(Collectors.toMap(m -> m.getLong("seq"), Function.identity()));
  }

  private static List<Long> seqs(JsonArray messages) {
    return messages.stream().map(m -> ((JsonObject) m).getLong("seq")).toList();
  }
}
