package io.parley.fanout;

import io.parley.testing.BridgeClient;
import io.parley.testing.RedisProcess;
import io.parley.testing.Rest;
import io.parley.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes that share one store and one real redis-server but no event bus (two separate Vert.x
 * instances, not clustered) deliver each other's conversation events through Redis pub/sub; a Redis
 * crash pauses live fan-out without failing sends, and clients catch up once it is back.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisFanoutTest {

  private static final String SECRET = "a-test-signing-secret-shared-by-both-nodes";

  private RedisProcess redis;
  private Vertx vertxA;
  private Vertx vertxB;
  private TestNode nodeA;
  private TestNode nodeB;

  @BeforeEach
  void start() throws Exception {
    redis = new RedisProcess().start();
    vertxA = Vertx.vertx();
    vertxB = Vertx.vertx();
    JsonObject shared = new JsonObject()
      .put("redis", new JsonObject().put("connection_string", redis.url()))
      .put("auth", new JsonObject().put("jwt_secret", SECRET));
    nodeA = await(TestNode.start(vertxA, shared));
    nodeB = await(TestNode.start(vertxB, shared.copy()
      .put("mongo", new JsonObject().put("connection_string", nodeA.mongoConnectionString()))));
  }

  @AfterEach
  void stop() throws Exception {
    await(nodeB.stop().compose(v -> vertxB.close()));
    await(nodeA.stop().compose(v -> vertxA.close()));
    redis.close();
  }

  @Test
  void messages_and_membership_cross_between_nodes_that_share_only_redis() throws Exception {
    Rest restA = new Rest(vertxA, nodeA.port());
    JsonObject alice = await(restA.user("acme", "alice"));
    JsonObject bob = await(restA.user("acme", "bob"));
    BridgeClient aliceOnA = await(BridgeClient.online(vertxA, nodeA.port(), alice));
    BridgeClient bobOnB = await(BridgeClient.online(vertxB, nodeB.port(), bob));

    // A DM created through node A reaches bob's connection on node B, which subscribes to it.
    JsonObject dm = await(aliceOnA.request("parley.rooms.create",
      new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob"))));
    String id = dm.getString("id");
    await(bobOnB.awaitEvents(e -> "conversation.added".equals(e.getString("type")) && id.equals(e.getString("conversationId")), 1));
    await(aliceOnA.request("parley.delivery.send", message(id, "a-1", "from A")));
    await(bobOnB.request("parley.delivery.send", message(id, "b-1", "from B")));

    List<JsonObject> onB = await(bobOnB.awaitMessages(id, 2));
    List<JsonObject> onA = await(aliceOnA.awaitMessages(id, 2));
    assertEquals(List.of("from A", "from B"), texts(onB));
    assertEquals(List.of("from A", "from B"), texts(onA));
  }

  @Test
  void a_redis_crash_pauses_fan_out_loses_no_message_and_clients_catch_up() throws Exception {
    Rest restA = new Rest(vertxA, nodeA.port());
    JsonObject alice = await(restA.user("acme", "alice"));
    JsonObject bob = await(restA.user("acme", "bob"));
    String room = await(restA.createConversation(alice.getString("accessToken"),
      new JsonObject().put("type", "room").put("name", "weather").put("members", new JsonArray().add("bob")))).getString("id");
    BridgeClient bobOnB = await(BridgeClient.online(vertxB, nodeB.port(), bob));

    List<Long> acked = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      acked.add(await(restA.send(alice.getString("accessToken"), room, "before-" + i, "before " + i)).getLong("seq"));
    }
    await(bobOnB.awaitMessages(room, 5));

    redis.kill();
    JsonObject down = await(io.vertx.ext.web.client.WebClient.create(vertxB).get(nodeB.port(), "127.0.0.1", "/health/detailed").send()
      .map(response -> new JsonObject().put("status", response.statusCode()).put("body", response.bodyAsJsonObject())));
    assertEquals(503, down.getInteger("status"), "health reports Redis down: " + down);
    assertTrue(down.encode().contains("\"id\":\"redis\",\"status\":\"DOWN\""), down.encode());
    // MongoDB is the truth: sends keep succeeding while Redis is down.
    for (int i = 1; i <= 5; i++) {
      acked.add(await(restA.send(alice.getString("accessToken"), room, "during-" + i, "during " + i)).getLong("seq"));
    }
    RedisProcess again = restartOnSamePort();
    try {
      // The gateway on B reconnects, resubscribes and tells its clients to sync.
      await(bobOnB.awaitEvents(e -> "resync".equals(e.getString("type")), 1));
      JsonObject sync = await(bobOnB.request("parley.delivery.sync",
        new JsonObject().put("positions", new JsonObject().put(room, 5))));
      for (int i = 1; i <= 5; i++) {
        acked.add(await(restA.send(alice.getString("accessToken"), room, "after-" + i, "after " + i)).getLong("seq"));
      }
      await(bobOnB.awaitMessages(room, 10));
      Set<Long> seen = new TreeSet<>();
      bobOnB.events().stream().filter(e -> "message".equals(e.getString("type")))
        .forEach(e -> seen.add(e.getJsonObject("message").getLong("seq")));
      sync.getJsonObject("conversations").getJsonObject(room).getJsonArray("messages")
        .forEach(m -> seen.add(((JsonObject) m).getLong("seq")));
      System.out.printf("redis crash: %d acked, %d seen by bob (live + sync)%n", acked.size(), seen.size());
      assertEquals(new TreeSet<>(acked), seen, "every acked message reached bob exactly once after dedup by seq");
      assertEquals(15, seen.size());
    } finally {
      again.close();
    }
  }

  private RedisProcess restartOnSamePort() throws Exception {
    RedisProcess replacement = RedisProcess.onPort(redis.port()).start();
    redis = replacement;
    return replacement;
  }

  private static JsonObject message(String conversationId, String clientMsgId, String text) {
    return new JsonObject().put("conversationId", conversationId).put("clientMsgId", clientMsgId).put("text", text);
  }

  private static List<String> texts(List<JsonObject> events) {
    return events.stream().map(e -> e.getJsonObject("message").getString("text")).toList();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
