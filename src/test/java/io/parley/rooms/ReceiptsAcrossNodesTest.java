package io.parley.rooms;

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

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One user on two devices connected to two nodes (sharing one store and a real redis-server, as a
 * cluster's nodes do): unread counts and receipts stay right across devices, nodes and reconnects, and a
 * read on one device reaches the other also where the tenant has receipts off.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReceiptsAcrossNodesTest {

  private static final JsonObject RECEIPTS_OFF_FOR_QUIET =
    new JsonObject().put("tenants", new JsonObject().put("receipts_off", new JsonArray().add("quiet")));

  @RegisterExtension
  @Order(1)
  final RedisProcess redis = new RedisProcess();

  @RegisterExtension
  @Order(2)
  final ParleyNodeExtension nodeA = ParleyNodeExtension.inProcess().peer(redis).with(RECEIPTS_OFF_FOR_QUIET);

  @RegisterExtension
  @Order(3)
  final ParleyNodeExtension nodeB = ParleyNodeExtension.inProcess().peer(redis, nodeA).with(RECEIPTS_OFF_FOR_QUIET);

  @Test
  void unread_counts_and_receipts_follow_one_user_across_devices_nodes_and_reconnects() throws Exception {
    Rest restA = nodeA.rest();
    Rest restB = nodeB.rest();
    Map<String, JsonObject> u = await(restA.users("acme", "alice", "bob"));
    String bobToken = u.get("bob").getString("accessToken");
    String id = room(restA, u.get("alice"));
    BridgeClient alice = await(nodeA.online(u.get("alice")));
    BridgeClient bobPhone = await(nodeA.online(u.get("bob")));
    BridgeClient bobLaptop = await(nodeB.online(u.get("bob")));

    for (int i = 1; i <= 3; i++) {
      await(restA.send(u.get("alice").getString("accessToken"), id, "a-" + i, "message " + i));
    }
    await(bobPhone.awaitMessages(id, 3));
    await(bobLaptop.awaitMessages(id, 3));
    String bobId = u.get("bob").getString("userId");
    await(alice.awaitEvents(e -> "delivered".equals(e.getString("type")) && e.getJsonObject("positions").getLong(bobId, 0L) == 3, 1));
    assertEquals(3L, unread(restB, bobToken, id), "unread as node B counts it");
    assertEquals(new JsonObject().put("messageId", id + ":3").put("deliveredTo", 1).put("readBy", 0).put("members", 1),
      await(restB.expectGet(200, "/messages/" + id + ":3/receipts", u.get("alice").getString("accessToken"))));

    // Read on the phone (node A): the laptop (node B) hears it, and every count agrees.
    await(bobPhone.request("parley.rooms.read", new JsonObject().put("conversationId", id).put("seq", 3)));
    JsonObject onLaptop = await(bobLaptop.awaitEvent("read", id));
    assertEquals(3L, onLaptop.getLong("readSeq"));
    assertEquals(0L, unread(restB, bobToken, id));
    assertEquals(0L, unread(restA, bobToken, id));
    assertEquals(1, await(restB.expectGet(200, "/messages/" + id + ":3/receipts", u.get("alice").getString("accessToken")))
      .getInteger("readBy"));

    // The laptop reconnects to node B: its ready list already says nothing is unread.
    await(bobLaptop.close());
    JsonObject ready = await(await(nodeB.bridge()).register(u.get("bob")));
    JsonObject listed = ready.getJsonArray("conversations").stream().map(JsonObject.class::cast)
      .filter(c -> id.equals(c.getString("id"))).findFirst().orElseThrow();
    assertEquals(0L, listed.getLong("unread"), ready.encode());
  }

  @Test
  void with_receipts_off_a_read_still_reaches_the_readers_other_device_on_another_node() throws Exception {
    Rest restA = nodeA.rest();
    Map<String, JsonObject> u = await(restA.users("quiet", "alice", "bob"));
    String id = room(restA, u.get("alice"));
    BridgeClient alice = await(nodeA.online(u.get("alice")));
    BridgeClient bobPhone = await(nodeA.online(u.get("bob")));
    BridgeClient bobLaptop = await(nodeB.online(u.get("bob")));
    await(restA.send(u.get("alice").getString("accessToken"), id, "a-1", "hush"));
    await(bobLaptop.awaitMessages(id, 1));

    await(bobPhone.request("parley.rooms.read", new JsonObject().put("conversationId", id).put("seq", 1)));
    assertEquals(1L, await(bobLaptop.awaitEvent("read", id)).getLong("readSeq"));
    assertEquals(0L, unread(nodeB.rest(), u.get("bob").getString("accessToken"), id));
    await(nodeA.vertx().timer(1_000));
    assertTrue(alice.events().stream().noneMatch(e -> "read".equals(e.getString("type")) || "delivered".equals(e.getString("type"))),
      alice.events().toString());
  }

  private static String room(Rest rest, JsonObject alice) throws Exception {
    return await(rest.createConversation(alice.getString("accessToken"), new JsonObject().put("type", "room")
      .put("name", "general").put("members", new JsonArray().add("bob")))).getString("id");
  }

  private static long unread(Rest rest, String token, String id) throws Exception {
    return await(rest.expectGet(200, "/conversations", token)).getJsonArray("conversations").stream().map(JsonObject.class::cast)
      .filter(c -> id.equals(c.getString("id"))).findFirst().orElseThrow().getLong("unread");
  }
}
