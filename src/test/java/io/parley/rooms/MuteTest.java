package io.parley.rooms;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.parley.testing.RoomOfTwo;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.ApiAssertions.assertBridgeError;
import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Muting a conversation, a member's own setting: {@code PUT /api/conversations/:id/mute} and
 * {@code parley.rooms.mute}; it shows in the member's conversation list and reaches their other
 * connections live, nobody else's; refused input changes nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MuteTest {

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  @Test
  void a_member_mutes_and_unmutes_and_their_list_and_other_devices_follow() throws Exception {
    Rest rest = node.rest();
    RoomOfTwo chat = await(RoomOfTwo.create(rest, "news"));
    String alice = chat.alice().getString("accessToken");
    String bob = chat.bob().getString("accessToken");
    String id = chat.roomId();
    BridgeClient phone = await(node.online(chat.alice()));
    BridgeClient laptop = await(node.online(chat.alice()));
    BridgeClient bobs = await(node.online(chat.bob()));

    JsonObject answer = await(rest.call(HttpMethod.PUT, "/conversations/" + id + "/mute", alice, new JsonObject().put("muted", true))
      .compose(response -> Rest.check(response, 200)));
    assertEquals(new JsonObject().put("conversationId", id).put("muted", true), answer);
    for (BridgeClient device : List.of(phone, laptop)) {
      JsonObject event = await(device.awaitEvent("conversation.muted", id));
      assertTrue(event.getBoolean("muted"), event.encode());
    }
    assertTrue(listed(alice, id).getBoolean("muted"));
    assertFalse(listed(bob, id).getBoolean("muted"), "bob's setting is his own");

    // Muted, the conversation still delivers: notifications are what mute is about, not messages.
    await(rest.send(bob, id, "b-1", "still here"));
    await(phone.awaitMessages(id, 1));

    // Over the bridge, the same; a new connection's list says it too.
    JsonObject unmuted = await(laptop.request("parley.rooms.mute", new JsonObject().put("conversationId", id).put("muted", false)));
    assertEquals(new JsonObject().put("conversationId", id).put("muted", false), unmuted);
    await(phone.awaitEvents(e -> "conversation.muted".equals(e.getString("type")) && !e.getBoolean("muted"), 1));
    assertFalse(listed(alice, id).getBoolean("muted"));
    await(laptop.request("parley.rooms.mute", new JsonObject().put("conversationId", id).put("muted", true)));
    JsonObject ready = await(await(node.bridge()).register(chat.alice()));
    JsonObject inReady = ready.getJsonArray("conversations").stream().map(JsonObject.class::cast)
      .filter(c -> id.equals(c.getString("id"))).findFirst().orElseThrow();
    assertTrue(inReady.getBoolean("muted"), ready.encode());

    await(phone.awaitEvents(e -> "conversation.muted".equals(e.getString("type")), 3));
    assertTrue(bobs.events().stream().noneMatch(e -> "conversation.muted".equals(e.getString("type"))),
      "only the member's own connections hear of it: " + bobs.events());
  }

  @Test
  void refused_mutes_answer_their_code_and_change_nothing() throws Exception {
    Rest rest = node.rest();
    Map<String, JsonObject> u = await(rest.users("acme", "alice", "bob", "carol"));
    JsonObject gina = await(rest.user("globex", "gina"));
    String alice = u.get("alice").getString("accessToken");
    String carol = u.get("carol").getString("accessToken");
    String room = await(rest.createConversation(alice, new JsonObject().put("type", "room").put("name", "private")
      .put("visibility", "private").put("members", new JsonArray().add("bob")))).getString("id");
    String open = await(rest.createConversation(alice, new JsonObject().put("type", "room").put("name", "open"))).getString("id");
    String path = "/conversations/" + room + "/mute";

    assertError(await(mute(path, alice, new JsonObject().put("muted", "yes"))), 400, "VALIDATION_FAILED");
    assertError(await(mute(path, alice, new JsonObject().put("muted", 1))), 400, "VALIDATION_FAILED");
    assertError(await(mute(path, alice, new JsonObject().putNull("muted"))), 400, "VALIDATION_FAILED");
    assertError(await(mute(path, alice, new JsonObject())), 400, "VALIDATION_FAILED");
    assertError(await(rest.call(HttpMethod.PUT, path, alice, null)), 400, "BAD_JSON");
    assertError(await(rest.raw(HttpMethod.PUT, path, alice, "[true]")), 400, "BAD_JSON");
    assertError(await(rest.raw(HttpMethod.PUT, path, alice, "{\"muted\":")), 400, "BAD_JSON");
    assertError(await(rest.post(path, alice, new JsonObject().put("muted", true))), 405, "METHOD_NOT_ALLOWED");
    assertError(await(mute("/conversations/" + UUID.randomUUID() + "/mute", alice, new JsonObject().put("muted", true))),
      404, "CONVERSATION_NOT_FOUND");
    assertError(await(mute("/conversations/" + "x".repeat(65) + "/mute", alice, new JsonObject().put("muted", true))),
      413, "PAYLOAD_TOO_LARGE");
    assertError(await(mute(path, carol, new JsonObject().put("muted", true))), 404, "CONVERSATION_NOT_FOUND");
    assertError(await(mute(path, gina.getString("accessToken"), new JsonObject().put("muted", true))), 404, "CONVERSATION_NOT_FOUND");
    // A public room is visible to the whole tenant: one not joined is NOT_A_MEMBER, as for reading.
    assertError(await(mute("/conversations/" + open + "/mute", carol, new JsonObject().put("muted", true))), 403, "NOT_A_MEMBER");
    assertError(await(mute(path, null, new JsonObject().put("muted", true))), 401, "UNAUTHENTICATED");

    BridgeClient ginaOnline = await(node.online(gina));
    BridgeClient aliceOnline = await(node.online(u.get("alice")));
    bridgeRefused(aliceOnline, new JsonObject().put("conversationId", room).put("muted", "true"), 101, "VALIDATION_FAILED");
    bridgeRefused(aliceOnline, new JsonObject().put("muted", true), 101, "VALIDATION_FAILED");
    bridgeRefused(aliceOnline, new JsonObject().put("conversationId", UUID.randomUUID().toString()).put("muted", true),
      300, "CONVERSATION_NOT_FOUND");
    bridgeRefused(ginaOnline, new JsonObject().put("conversationId", room).put("muted", true), 300, "CONVERSATION_NOT_FOUND");

    for (String token : List.of(alice, u.get("bob").getString("accessToken"))) {
      assertFalse(listed(token, room).getBoolean("muted"), "nothing was muted");
    }
    assertTrue(aliceOnline.events().stream().noneMatch(e -> "conversation.muted".equals(e.getString("type"))), aliceOnline.events().toString());
  }

  private Future<HttpResponse<Buffer>> mute(String path, String token, JsonObject body) {
    return node.rest().call(HttpMethod.PUT, path, token, body);
  }

  private static void bridgeRefused(BridgeClient client, JsonObject body, int failureCode, String code) {
    assertBridgeError(assertThrows(Exception.class, () -> await(client.request("parley.rooms.mute", body))), failureCode, code);
  }

  private JsonObject listed(String token, String id) throws Exception {
    return await(node.rest().expectGet(200, "/conversations", token)).getJsonArray("conversations").stream()
      .map(JsonObject.class::cast).filter(c -> id.equals(c.getString("id"))).findFirst().orElseThrow();
  }
}
