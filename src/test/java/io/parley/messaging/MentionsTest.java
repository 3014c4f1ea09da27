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

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mentions over REST and the real bridge on one node: names are read on the server against the
 * conversation's members, stored on the message, and each mentioned member is told on their own channel.
 */
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class MentionsTest {

  @RegisterExtension
  static final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  /** alice, bob, carol and dave of {@code tenant}; a room of alice, bob and carol (dave is not in it). */
  private static RoomOfMany chat(String tenant) throws Exception {
    return await(RoomOfMany.create(node.rest(), tenant, "mentions", List.of("alice", "bob", "carol"), List.of("dave")));
  }

  @Test
  void mentioned_members_are_stored_and_told_on_their_own_channel() throws Exception {
    RoomOfMany chat = chat("mentions");
    BridgeClient bob = await(node.online(chat.user("bob")));
    BridgeClient carol = await(node.online(chat.user("carol")));
    BridgeClient dave = await(node.online(chat.user("dave")));

    // Bob by name (any case, with punctuation after), dave (not a member), an e-mail address, an unknown name.
    JsonObject sent = await(node.rest().send(chat.token("alice"), chat.roomId(), "m-1",
      "hey @BOB. ask dave@example.com or @dave or @nobody"));
    JsonArray mentions = sent.getJsonArray("mentions");
    assertEquals(1, mentions.size(), sent.encode());
    assertEquals(chat.user("bob").getString("userId"), mentions.getJsonObject(0).getString("userId"));
    assertEquals("bob", mentions.getJsonObject(0).getString("username"));
    assertNull(sent.getString("broadcast"));

    JsonObject told = await(bob.awaitEvents(e -> "mention".equals(e.getString("type")), 1)).get(0);
    assertEquals(chat.roomId(), told.getString("conversationId"));
    assertEquals(sent.getString("id"), told.getJsonObject("message").getString("id"));
    JsonObject inHistory = await(node.rest().history(chat.token("bob"), chat.roomId(), "")).getJsonArray("messages").getJsonObject(0);
    assertEquals(mentions, inHistory.getJsonArray("mentions"));

    // @all and @here in a room are told by the message itself, which every member's connections get.
    JsonObject everyone = await(node.rest().send(chat.token("bob"), chat.roomId(), "m-2", "@all lunch?"));
    assertEquals("all", everyone.getString("broadcast"));
    JsonObject carolGot = await(carol.awaitEvents(e -> "message".equals(e.getString("type"))
      && everyone.getString("id").equals(e.getJsonObject("message").getString("id")), 1)).get(0);
    assertEquals("all", carolGot.getJsonObject("message").getString("broadcast"));
    JsonObject here = await(node.rest().send(chat.token("bob"), chat.roomId(), "m-3", "@here anyone?"));
    assertEquals("here", here.getString("broadcast"));
    assertEquals(1, bob.events().stream().filter(e -> "mention".equals(e.getString("type"))).count(), "never the sender");
    assertTrue(carol.events().stream().noneMatch(e -> "mention".equals(e.getString("type"))), "no mention event per member for @all");
    assertTrue(dave.events().stream().noneMatch(e -> "mention".equals(e.getString("type"))), "never a non-member");

    // Unread mentions per conversation: bob was named once and @all'd once (his own @all and @here do not count for him).
    await(node.rest().send(chat.token("alice"), chat.roomId(), "m-1", "hey @BOB. ask dave@example.com or @dave or @nobody"));  // a resend
    String carolsToken = chat.token("carol");
    assertEquals(0L, unreadMentions(chat.token("bob"), chat.roomId()), "bob's own sends moved his read position past seq 1");
    assertEquals(1L, unreadMentions(carolsToken, chat.roomId()), "carol: the @all (@here is not kept)");
    JsonObject fourth = await(node.rest().send(chat.token("alice"), chat.roomId(), "m-4", "@bob again, and @carol"));
    assertEquals(2L, unreadMentions(carolsToken, chat.roomId()), "carol: the @all and her name");
    assertEquals(1L, unreadMentions(chat.token("bob"), chat.roomId()));
    assertEquals(0L, unreadMentions(chat.token("alice"), chat.roomId()), "never for one's own messages");
    await(node.rest().expect(200, "/conversations/" + chat.roomId() + "/read", carolsToken, new JsonObject().put("seq", fourth.getLong("seq"))));
    assertEquals(0L, unreadMentions(carolsToken, chat.roomId()), "read past them: none unread");

    // In a DM, @all is just text.
    String dm = await(node.rest().createConversation(chat.token("alice"), new JsonObject().put("type", "dm")
      .put("members", new JsonArray().add("bob")))).getString("id");
    JsonObject plain = await(node.rest().send(chat.token("alice"), dm, "dm-1", "@all of it"));
    assertFalse(plain.containsKey("broadcast"), plain.encode());
  }

  @Test
  void a_flood_of_mentions_is_refused_whole() throws Exception {
    RoomOfMany chat = chat("flood");
    String names = IntStream.range(0, 500).mapToObj(i -> "@user" + i).collect(Collectors.joining(" "));
    HttpResponse<Buffer> flood = await(node.rest().call(HttpMethod.POST, "/conversations/" + chat.roomId() + "/messages", chat.token("alice"),
      new JsonObject().put("clientMsgId", "flood").put("text", names)));
    assertError(flood, 422, "TOO_MANY_MENTIONS");
    String fortyNine = IntStream.range(0, 49).mapToObj(i -> "@user" + i).collect(Collectors.joining(" "));
    await(node.rest().send(chat.token("alice"), chat.roomId(), "fifty", fortyNine + " @bob"));
    assertError(await(node.rest().call(HttpMethod.POST, "/conversations/" + chat.roomId() + "/messages", chat.token("alice"),
      new JsonObject().put("clientMsgId", "fifty-one").put("text", fortyNine + " @bob @carol"))), 422, "TOO_MANY_MENTIONS");
    JsonArray stored = await(node.rest().history(chat.token("alice"), chat.roomId(), "")).getJsonArray("messages");
    assertEquals(List.of("fifty"), stored.stream().map(m -> ((JsonObject) m).getString("clientMsgId")).toList(),
      "a refused message is not stored");
    // A mention in a conversation one is not in (another tenant's user naming a member) goes nowhere.
    JsonObject stranger = await(node.rest().user("elsewhere", "mallory"));
    assertError(await(node.rest().call(HttpMethod.POST, "/conversations/" + chat.roomId() + "/messages",
      stranger.getString("accessToken"), new JsonObject().put("clientMsgId", "x").put("text", "@bob hi"))), 404, "CONVERSATION_NOT_FOUND");
  }

  private static long unreadMentions(String token, String conversationId) throws Exception {
    return await(node.rest().expectGet(200, "/conversations", token)).getJsonArray("conversations").stream()
      .map(c -> (JsonObject) c).filter(c -> conversationId.equals(c.getString("id"))).findFirst().orElseThrow()
      .getLong("unreadMentions");
  }

  static Future<JsonObject> ok(Future<HttpResponse<Buffer>> call, int status) {
    return call.compose(response -> Rest.check(response, status));
  }
}
