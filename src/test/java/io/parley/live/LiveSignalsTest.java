package io.parley.live;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfMany;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.ApiAssertions.bridgeRefused;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Typing and presence on one node without Redis (the in-process presence), over the real bridge:
 * typing reaches the others and lapses by itself, repeats are throttled and floods dropped quietly;
 * presence follows tabs, away and idleness, and is visible only to users who share a conversation.
 */
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class LiveSignalsTest {

  private static final String TYPING = "parley.live.typing";
  private static final String PRESENCE = "parley.live.presence";
  private static final String AWAY = "parley.live.away";

  @RegisterExtension
  static final ParleyNodeExtension node = ParleyNodeExtension.inProcess().with(new JsonObject()
    .put("live", new JsonObject().put("typing_expiry_seconds", 2).put("idle_away_seconds", 3).put("presence_ttl_seconds", 3)));

  /** alice, bob and carol of {@code tenant}: a private room of alice and bob; carol shares nothing with them. */
  private static RoomOfMany chat(String tenant) throws Exception {
    RoomOfMany chat = await(RoomOfMany.create(node.rest(), tenant, "live", List.of("alice", "bob"), List.of("carol")));
    return chat;
  }

  private static String privateRoom(RoomOfMany chat) throws Exception {
    return await(node.rest().createConversation(chat.token("alice"), new JsonObject().put("type", "room").put("name", "private")
      .put("visibility", "private").put("members", new JsonArray().add("bob")))).getString("id");
  }

  @Test
  void typing_reaches_the_others_is_throttled_and_lapses_by_itself() throws Exception {
    RoomOfMany chat = chat("typing");
    String room = chat.roomId();
    BridgeClient alice = await(node.online(chat.user("alice")));
    BridgeClient bob = await(node.online(chat.user("bob")));

    assertEquals(new JsonObject(), await(alice.request(TYPING, typing(room, true))));
    JsonObject started = await(bob.awaitEvents(e -> "typing".equals(e.getString("type")), 1)).get(0);
    assertEquals(chat.userId("alice"), started.getString("userId"));
    assertEquals("alice", started.getString("username"));
    assertTrue(started.getBoolean("typing"));
    assertEquals(2000L, started.getLong("expiresInMs"));
    assertEquals(true, await(alice.request(TYPING, typing(room, true))).getBoolean("dropped"), "a repeat within 2 s only refreshes");
    await(alice.request(TYPING, typing(room, false)));
    JsonObject stopped = await(bob.awaitEvents(e -> "typing".equals(e.getString("type")), 2)).get(1);
    assertFalse(stopped.getBoolean("typing"));

    // Left alone, "typing" lapses after typing_expiry_seconds (2 s here): the others get false.
    long at = System.currentTimeMillis();
    await(alice.request(TYPING, typing(room, true)));
    List<JsonObject> events = await(bob.awaitEvents(e -> "typing".equals(e.getString("type")), 4), 10);
    assertFalse(events.get(3).getBoolean("typing"));
    long lapsed = System.currentTimeMillis() - at;
    assertTrue(lapsed >= 1900 && lapsed < 5000, "lapsed after " + lapsed + " ms");
    assertTrue(alice.events().stream().noneMatch(e -> "typing".equals(e.getString("type"))), "not to the typer's own connections");

    // Closing the typer's connection stops it at once.
    await(alice.request(TYPING, typing(room, true)));
    await(bob.awaitEvents(e -> "typing".equals(e.getString("type")), 5));
    await(alice.close());
    JsonObject closed = await(bob.awaitEvents(e -> "typing".equals(e.getString("type")), 6), 5).get(5);
    assertFalse(closed.getBoolean("typing"));
  }

  @Test
  void typing_is_refused_outside_ones_conversations_and_floods_are_dropped_quietly() throws Exception {
    RoomOfMany chat = chat("typing-bad");
    BridgeClient carol = await(node.online(chat.user("carol")));
    BridgeClient bob = await(node.online(chat.user("bob")));
    await(bridgeRefused(carol.request(TYPING, typing(chat.roomId(), true)), 300, "CONVERSATION_NOT_FOUND"));
    await(bridgeRefused(bob.request(TYPING, new JsonObject().put("conversationId", chat.roomId()).put("typing", "yes")), 101, "VALIDATION_FAILED"));
    await(bridgeRefused(bob.request(TYPING, new JsonObject().put("typing", true)), 101, "VALIDATION_FAILED"));
    BridgeClient stranger = await(node.online(await(node.rest().user("elsewhere", "mallory"))));
    await(bridgeRefused(stranger.request(TYPING, typing(chat.roomId(), true)), 300, "CONVERSATION_NOT_FOUND"));

    // 200 frames as fast as they go: every one answered, no error; the others get a handful of events.
    BridgeClient alice = await(node.online(chat.user("alice")));
    List<JsonObject> answers = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      answers.add(await(alice.request(TYPING, typing(chat.roomId(), i % 2 == 0))));
    }
    long dropped = answers.stream().filter(a -> a.getBoolean("dropped", false)).count();
    assertTrue(dropped >= 150, "past the typing rate frames are dropped: " + dropped);
    Thread.sleep(500);
    long events = bob.events().stream().filter(e -> "typing".equals(e.getString("type"))).count();
    assertTrue(events <= 40, events + " typing events for 200 frames");
    assertTrue(alice.protocolErrors().isEmpty());
  }

  @Test
  void presence_follows_tabs_away_and_idleness_and_only_contacts_see_it() throws Exception {
    RoomOfMany chat = chat("presence");
    privateRoom(chat);
    BridgeClient bob = await(node.online(chat.user("bob")));
    BridgeClient carol = await(node.online(chat.user("carol")));
    String aliceId = chat.userId("alice");

    BridgeClient tab1 = await(node.online(chat.user("alice")));
    assertEquals("online", presenceOf(bob, aliceId, 1).getString("state"));
    BridgeClient tab2 = await(node.online(chat.user("alice")));
    await(tab1.close());
    Thread.sleep(300);
    assertEquals("online", state(bob, aliceId), "online while one tab is open");

    await(tab2.request(AWAY, new JsonObject().put("away", true)));
    assertEquals("away", presenceOf(bob, aliceId, 2).getString("state"));
    await(tab2.request(AWAY, new JsonObject().put("away", false)));
    assertEquals("online", presenceOf(bob, aliceId, 3).getString("state"));

    // Idle: no request for idle_away_seconds (3 s here) on any connection makes the user away; one request, online.
    assertEquals("away", presenceOf(bob, aliceId, 4, 10).getString("state"));
    await(tab2.request(PRESENCE, new JsonObject().put("userIds", new JsonArray())));
    assertEquals("online", presenceOf(bob, aliceId, 5).getString("state"));

    long closedAt = System.currentTimeMillis();
    await(tab2.close());
    JsonObject offline = presenceOf(bob, aliceId, 6);
    assertEquals("offline", offline.getString("state"));
    assertTrue(offline.getLong("lastSeenAt") >= closedAt - 1000, offline.encode());
    assertEquals("offline", state(bob, aliceId));

    // carol shares no conversation with alice: no event, and the query leaves her out; so for another tenant.
    assertTrue(carol.events().stream().noneMatch(e -> "presence".equals(e.getString("type")) && aliceId.equals(e.getString("userId"))));
    assertEquals(new JsonObject(), await(carol.request(PRESENCE, new JsonObject().put("userIds", new JsonArray().add(aliceId))))
      .getJsonObject("presence"));
    BridgeClient stranger = await(node.online(await(node.rest().user("elsewhere-2", "mallory"))));
    assertEquals(new JsonObject(), await(stranger.request(PRESENCE, new JsonObject().put("userIds", new JsonArray().add(aliceId))))
      .getJsonObject("presence"));
    await(bridgeRefused(bob.request(PRESENCE, new JsonObject().put("userIds", new JsonArray(new ArrayList<>(java.util.Collections.nCopies(101, "x"))))),
      101, "VALIDATION_FAILED"));
    await(bridgeRefused(bob.request(AWAY, new JsonObject().put("away", "yes")), 101, "VALIDATION_FAILED"));
  }

  private static JsonObject typing(String conversationId, boolean on) {
    return new JsonObject().put("conversationId", conversationId).put("typing", on);
  }

  /** The {@code n}th presence event about {@code userId} on {@code client}. */
  private static JsonObject presenceOf(BridgeClient client, String userId, int n) throws Exception {
    return presenceOf(client, userId, n, 5);
  }

  private static JsonObject presenceOf(BridgeClient client, String userId, int n, long seconds) throws Exception {
    return await(client.awaitEvents(e -> "presence".equals(e.getString("type")) && userId.equals(e.getString("userId")), n), seconds)
      .get(n - 1);
  }

  private static String state(BridgeClient client, String userId) throws Exception {
    return await(client.request(PRESENCE, new JsonObject().put("userIds", new JsonArray().add(userId))))
      .getJsonObject("presence").getJsonObject(userId).getString("state");
  }
}
