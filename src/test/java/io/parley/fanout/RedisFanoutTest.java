package io.parley.fanout;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RedisProcess;
import io.parley.testing.Rest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes that share one store and one real redis-server but no event bus (two separate Vert.x
 * instances, not clustered) deliver each other's conversation events through Redis pub/sub; a Redis
 * crash pauses live fan-out without failing sends, and clients catch up once it is back.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisFanoutTest {

  // Started in this order and stopped in the reverse: Redis outlives both nodes, A's store outlives B.
  @RegisterExtension
  @Order(1)
  final RedisProcess redis = new RedisProcess();

  @RegisterExtension
  @Order(2)
  final ParleyNodeExtension nodeA = ParleyNodeExtension.inProcess().peer(redis);

  @RegisterExtension
  @Order(3)
  final ParleyNodeExtension nodeB = ParleyNodeExtension.inProcess().peer(redis, nodeA);

  @Test
  void messages_and_membership_cross_between_nodes_that_share_only_redis() throws Exception {
    Rest restA = nodeA.rest();
    JsonObject alice = await(restA.user("acme", "alice"));
    JsonObject bob = await(restA.user("acme", "bob"));
    BridgeClient aliceOnA = await(nodeA.online(alice));
    BridgeClient bobOnB = await(nodeB.online(bob));

    // A DM created through node A reaches bob's connection on node B, which subscribes to it.
    JsonObject dm = await(aliceOnA.request("parley.rooms.create",
      new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob"))));
    String id = dm.getString("id");
    await(bobOnB.awaitEvent("conversation.added", id));
    await(aliceOnA.send(id, "a-1", "from A"));
    await(bobOnB.send(id, "b-1", "from B"));

    List<JsonObject> onB = await(bobOnB.awaitMessages(id, 2));
    List<JsonObject> onA = await(aliceOnA.awaitMessages(id, 2));
    assertEquals(List.of("from A", "from B"), texts(onB));
    assertEquals(List.of("from A", "from B"), texts(onA));
  }

  @Test
  void a_redis_crash_pauses_fan_out_loses_no_message_and_clients_catch_up() throws Exception {
    Rest restA = nodeA.rest();
    JsonObject alice = await(restA.user("acme", "alice"));
    JsonObject bob = await(restA.user("acme", "bob"));
    String room = await(restA.createConversation(alice.getString("accessToken"),
      new JsonObject().put("type", "room").put("name", "weather").put("members", new JsonArray().add("bob")))).getString("id");
    BridgeClient bobOnB = await(nodeB.online(bob));

    List<Long> acked = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      acked.add(await(restA.send(alice.getString("accessToken"), room, "before-" + i, "before " + i)).getLong("seq"));
    }
    await(bobOnB.awaitMessages(room, 5));

    redis.kill();
    JsonObject down = await(nodeB.clients().web().get(nodeB.port(), "127.0.0.1", "/health/detailed").send()
      .map(response -> new JsonObject().put("status", response.statusCode()).put("body", response.bodyAsJsonObject())));
    assertEquals(503, down.getInteger("status"), "health reports Redis down: " + down);
    assertTrue(down.encode().contains("\"id\":\"redis\",\"status\":\"DOWN\""), down.encode());
    // MongoDB is the truth: sends keep succeeding while Redis is down.
    for (int i = 1; i <= 5; i++) {
      acked.add(await(restA.send(alice.getString("accessToken"), room, "during-" + i, "during " + i)).getLong("seq"));
    }
    redis.start();
    // The gateway on B reconnects, resubscribes and tells its clients to sync.
    await(bobOnB.awaitEvents(e -> "resync".equals(e.getString("type")), 1));
    JsonObject sync = await(bobOnB.request("parley.delivery.sync",
      new JsonObject().put("positions", new JsonObject().put(room, 5))));
    for (int i = 1; i <= 5; i++) {
      acked.add(await(restA.send(alice.getString("accessToken"), room, "after-" + i, "after " + i)).getLong("seq"));
    }
    await(bobOnB.awaitMessages(room, 10));
    Set<Long> seen = new TreeSet<>(bobOnB.seqs(room));
    sync.getJsonObject("conversations").getJsonObject(room).getJsonArray("messages")
      .forEach(m -> seen.add(((JsonObject) m).getLong("seq")));
    System.out.printf("redis crash: %d acked, %d seen by bob (live + sync)%n", acked.size(), seen.size());
    assertEquals(new TreeSet<>(acked), seen, "every acked message reached bob exactly once after dedup by seq");
    assertEquals(15, seen.size());
  }

  private static List<String> texts(List<JsonObject> events) {
    return events.stream().map(e -> e.getJsonObject("message").getString("text")).toList();
  }
}
