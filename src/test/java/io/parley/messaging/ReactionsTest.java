package io.parley.messaging;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfMany;
import io.parley.testing.Rest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.ApiAssertions.bridgeRefused;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reactions over REST and the real bridge on one node: live to every member's connections, idempotent
 * per user and emoji, bounded, carried by history and sync, and every refusal with its code.
 */
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class ReactionsTest {

  private static final String THUMBS = "\uD83D\uDC4D";        // 👍
  private static final String FAMILY = "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67";  // 👨‍👩‍👧 (ZWJ)
  private static final String REACT = "parley.delivery.react";
  private static final String UNREACT = "parley.delivery.unreact";

  @RegisterExtension
  static final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  /** The room (alice and bob; carol is not in it) and a message of alice's in it. */
  private record Chat(RoomOfMany room, String messageId) {
    String token(String name) { return room.token(name); }
    JsonObject user(String name) { return room.user(name); }
    String roomId() { return room.roomId(); }
  }

  private static Chat chat(String tenant) throws Exception {
    RoomOfMany room = await(RoomOfMany.create(node.rest(), tenant, "reactions", List.of("alice", "bob"), List.of("carol")));
    return new Chat(room, await(node.rest().send(room.token("alice"), room.roomId(), "m-1", "react to me")).getString("id"));
  }

  @Test
  void reactions_are_live_idempotent_and_carried_by_history() throws Exception {
    Chat chat = chat("live");
    List<BridgeClient> connections = List.of(await(node.online(chat.user("alice"))), await(node.online(chat.user("bob"))));

    JsonObject first = ok(react(chat.token("bob"), chat.messageId(), THUMBS));
    JsonObject again = ok(react(chat.token("bob"), chat.messageId(), THUMBS));
    assertEquals(first.getJsonArray("reactions"), again.getJsonArray("reactions"), "a second time changes nothing");
    JsonObject reaction = first.getJsonArray("reactions").getJsonObject(0);
    assertEquals(THUMBS, reaction.getString("emoji"));
    assertEquals(1L, reaction.getLong("count"));
    assertEquals("bob", reaction.getJsonArray("users").getJsonObject(0).getString("username"));

    JsonObject overBridge = await(connections.get(0).request(REACT, new JsonObject().put("messageId", chat.messageId()).put("emoji", THUMBS)));
    assertEquals(2L, overBridge.getJsonArray("reactions").getJsonObject(0).getLong("count"));
    ok(react(chat.token("alice"), chat.messageId(), FAMILY));
    ok(react(chat.token("alice"), chat.messageId(), ":party_parrot:"));
    JsonObject removed = ok(unreact(chat.token("alice"), chat.messageId(), ":party_parrot:"));
    JsonObject removedAgain = ok(unreact(chat.token("alice"), chat.messageId(), ":party_parrot:"));
    assertEquals(removed.getJsonArray("reactions"), removedAgain.getJsonArray("reactions"));
    assertEquals(List.of(THUMBS, FAMILY), emojis(removed));

    for (BridgeClient connection : connections) {
      List<JsonObject> changes = await(connection.awaitEvents(e -> "message.changed".equals(e.getString("type")), 5));
      assertEquals(List.of(1L, 2L, 3L, 4L, 5L), changes.stream().map(e -> e.getLong("changeSeq")).toList(),
        "only changes that changed something are in the log");
      assertEquals(List.of("reacted", "reacted", "reacted", "reacted", "unreacted"), changes.stream().map(e -> e.getString("kind")).toList());
      assertEquals(chat.user("bob").getString("userId"), changes.get(0).getString("userId"));
      assertEquals(THUMBS, changes.get(0).getString("emoji"));
      assertEquals(List.of(THUMBS, FAMILY), emojis(changes.get(4).getJsonObject("message")));
    }
    JsonObject inHistory = await(node.rest().history(chat.token("bob"), chat.roomId(), "")).getJsonArray("messages").getJsonObject(0);
    assertEquals(removed.getJsonArray("reactions"), inHistory.getJsonArray("reactions"));
    JsonObject conversation = await(node.rest().expectGet(200, "/conversations", chat.token("bob"))).getJsonArray("conversations").getJsonObject(0);
    assertEquals(1L, conversation.getLong("lastSeq"), "reactions are not messages: unread counts do not move");

    // A member who held message 1 and no change catches up through sync: the changes, in order.
    JsonObject synced = await(node.rest().expect(200, "/sync", chat.token("bob"), new JsonObject().put("positions",
      new JsonObject().put(chat.roomId(), new JsonObject().put("seq", 1).put("changeSeq", 0)))))
      .getJsonObject("conversations").getJsonObject(chat.roomId());
    assertEquals(5, synced.getJsonArray("changes").size());
    assertEquals(5L, synced.getLong("changeSeq"));
    assertEquals(List.of(THUMBS, FAMILY), emojis(synced.getJsonArray("changes").getJsonObject(4).getJsonObject("message")));
  }

  @Test
  void who_reacted_is_a_bounded_list_beside_the_full_count() throws Exception {
    List<JsonObject> users = await(node.rest().numberedUsers("crowd", "u", 25));
    String room = await(node.rest().roomWithEveryone(users, "crowd"));
    String message = await(node.rest().send(users.get(0).getString("accessToken"), room, "m-1", "popular")).getString("id");
    List<Future<JsonObject>> all = new ArrayList<>();
    for (JsonObject user : users) {
      all.add(react(user.getString("accessToken"), message, THUMBS).compose(r -> Rest.check(r, 200)));
    }
    await(Future.all(all));
    JsonObject reaction = await(node.rest().history(users.get(0).getString("accessToken"), room, ""))
      .getJsonArray("messages").getJsonObject(0).getJsonArray("reactions").getJsonObject(0);
    assertEquals(25L, reaction.getLong("count"), "25 concurrent reactions, each counted once");
    assertEquals(20, reaction.getJsonArray("users").size(), "who reacted is bounded");
    JsonObject gone = ok(unreact(users.get(3).getString("accessToken"), message, THUMBS));
    assertEquals(24L, gone.getJsonArray("reactions").getJsonObject(0).getLong("count"));
  }

  @Test
  void bad_reactions_are_refused_with_stable_codes_and_change_nothing() throws Exception {
    Chat chat = chat("refusals");
    String m = chat.messageId();
    // A reaction of 10,000 characters; text that is not an emoji; a shortcode too long; two emojis at once.
    assertError(await(react(chat.token("bob"), m, "x".repeat(10_000))), 413, "PAYLOAD_TOO_LARGE");
    assertError(await(react(chat.token("bob"), m, "lol")), 400, "VALIDATION_FAILED");
    assertError(await(react(chat.token("bob"), m, ":" + "a".repeat(31) + ":")), 400, "VALIDATION_FAILED");
    assertError(await(react(chat.token("bob"), m, THUMBS + THUMBS)), 400, "VALIDATION_FAILED");
    assertError(await(node.rest().call(HttpMethod.POST, "/messages/" + m + "/reactions", chat.token("bob"), new JsonObject())), 400, "VALIDATION_FAILED");
    assertError(await(react(chat.token("bob"), "not-a-message-id", THUMBS)), 400, "VALIDATION_FAILED");
    // Not a member, another tenant, a message that does not exist: all alike, 404.
    assertError(await(react(chat.token("carol"), m, THUMBS)), 404, "MESSAGE_NOT_FOUND");
    JsonObject stranger = await(node.rest().user("elsewhere", "mallory"));
    assertError(await(react(stranger.getString("accessToken"), m, THUMBS)), 404, "MESSAGE_NOT_FOUND");
    assertError(await(react(chat.token("bob"), chat.roomId() + ":99", THUMBS)), 404, "MESSAGE_NOT_FOUND");
    BridgeClient carol = await(node.online(chat.user("carol")));
    await(bridgeRefused(carol.request(REACT, new JsonObject().put("messageId", m).put("emoji", THUMBS)), 402, "MESSAGE_NOT_FOUND"));
    await(bridgeRefused(carol.request(UNREACT, new JsonObject().put("messageId", m).put("emoji", "x".repeat(10_000))), 102, "PAYLOAD_TOO_LARGE"));

    // 1,000 reactions from one user to one message: the same emoji counts once, different ones stop at 20.
    // Sent 50 at a time: they also race each other for the bound.
    List<HttpResponse<Buffer>> answers = new ArrayList<>();
    for (int batch = 0; batch < 20; batch++) {
      List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
      for (int i = batch * 50; i < batch * 50 + 50; i++) {
        sent.add(react(chat.token("bob"), m, i < 500 ? THUMBS : new String(Character.toChars(0x1F600 + i - 500))));
      }
      await(Future.all(sent));
      sent.forEach(answer -> answers.add(answer.result()));
    }
    int accepted = 0;
    int refused = 0;
    for (HttpResponse<Buffer> answer : answers.subList(500, 1000)) {
      if (answer.statusCode() == 200) {
        accepted++;
      } else {
        assertError(answer, 409, "TOO_MANY_REACTIONS");
        refused++;
      }
    }
    assertTrue(answers.subList(0, 500).stream().allMatch(answer -> answer.statusCode() == 200));
    assertEquals(19, accepted, "20 different emojis per user and message, 👍 being the first");
    assertEquals(481, refused);
    JsonObject stored = await(node.rest().history(chat.token("alice"), chat.roomId(), "")).getJsonArray("messages").getJsonObject(0);
    assertEquals(20, stored.getJsonArray("reactions").size());
    assertTrue(stored.getJsonArray("reactions").stream().allMatch(r -> ((JsonObject) r).getLong("count") == 1L));

    // A deleted message takes no reaction, and its tombstone carries none.
    ok(node.rest().call(HttpMethod.DELETE, "/messages/" + m, chat.token("alice"), null));
    assertError(await(react(chat.token("bob"), m, ":tada:")), 409, "MESSAGE_DELETED");
    JsonObject tombstone = await(node.rest().history(chat.token("alice"), chat.roomId(), "")).getJsonArray("messages").getJsonObject(0);
    assertTrue(tombstone.getBoolean("deleted"));
    assertFalse(tombstone.containsKey("reactions"), tombstone.encode());

    // A member who left reacts no more, nor takes a reaction off: as if the message did not exist.
    String later = await(node.rest().send(chat.token("alice"), chat.roomId(), "m-2", "after bob left")).getString("id");
    ok(react(chat.token("bob"), later, THUMBS));
    await(node.rest().call(HttpMethod.POST, "/conversations/" + chat.roomId() + "/leave", chat.token("bob"), null).compose(r -> Rest.check(r, 204)));
    assertError(await(react(chat.token("bob"), later, ":tada:")), 404, "MESSAGE_NOT_FOUND");
    assertError(await(unreact(chat.token("bob"), later, THUMBS)), 404, "MESSAGE_NOT_FOUND");
    JsonObject kept = await(node.rest().history(chat.token("alice"), chat.roomId(), "after=1")).getJsonArray("messages").getJsonObject(0);
    assertEquals(1L, kept.getJsonArray("reactions").getJsonObject(0).getLong("count"), "what bob did before leaving stays");
  }

  private static Future<HttpResponse<Buffer>> react(String token, String messageId, String emoji) {
    return node.rest().call(HttpMethod.POST, "/messages/" + messageId + "/reactions", token, new JsonObject().put("emoji", emoji));
  }

  private static Future<HttpResponse<Buffer>> unreact(String token, String messageId, String emoji) {
    return node.rest().call(HttpMethod.DELETE, "/messages/" + messageId + "/reactions/"
      + URLEncoder.encode(emoji, StandardCharsets.UTF_8).replace("+", "%20"), token, null);
  }

  private static JsonObject ok(Future<HttpResponse<Buffer>> call) throws Exception {
    return await(call.compose(response -> Rest.check(response, 200)));
  }

  private static List<String> emojis(JsonObject message) {
    return message.getJsonArray("reactions", new JsonArray()).stream().map(r -> ((JsonObject) r).getString("emoji")).toList();
  }
}
