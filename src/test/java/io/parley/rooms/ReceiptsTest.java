package io.parley.rooms;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static io.parley.testing.ApiAssertions.assertBridgeError;
import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delivered and read receipts on a real node, over REST and the bridge: counted from the members'
 * positions as their connections are handed messages (live or by sync) and as they mark them read,
 * announced live, shown to members only, and hidden where the tenant has receipts off.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ReceiptsTest {

  /** Longer than the gateway's flush interval: a delivered position not reported by then is not coming. */
  private static final long QUIET_MS = 1_000;

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess()
    .with(new JsonObject().put("tenants", new JsonObject().put("receipts_off", new JsonArray().add("quiet"))));

  @Test
  void a_message_to_a_room_of_three_is_delivered_as_members_connect_and_read_as_they_mark_it() throws Exception {
    Rest rest = node.rest();
    Chat chat = chat("acme", "bob", "carol");
    Map<String, JsonObject> u = chat.users();
    String id = chat.roomId();
    BridgeClient alice = chat.alice();
    String sent = await(rest.send(token(u, "alice"), id, "a-1", "hello")).getString("id");
    assertEquals(id + ":1", sent);
    assertReceipts(sent, token(u, "alice"), 0, 0, 2);

    // bob connects and syncs: the answer hands him message 1.
    BridgeClient bob = await(node.online(u.get("bob")));
    await(bob.request("parley.delivery.sync", new JsonObject()));
    await(alice.awaitEvents(delivered(u.get("bob"), 1), 1));
    assertReceipts(sent, token(u, "alice"), 1, 0, 2);

    // carol syncs over REST: delivered too.
    await(rest.expect(200, "/sync", token(u, "carol"), new JsonObject()));
    await(alice.awaitEvents(delivered(u.get("carol"), 1), 1));
    assertReceipts(sent, token(u, "alice"), 2, 0, 2);

    // Reads move readBy; the sender hears each live.
    await(bob.request("parley.rooms.read", new JsonObject().put("conversationId", id).put("seq", 1)));
    await(alice.awaitEvents(read(u.get("bob"), 1), 1));
    assertReceipts(sent, token(u, "alice"), 2, 1, 2);
    await(rest.expect(200, "/conversations/" + id + "/read", token(u, "carol"), new JsonObject().put("seq", 1)));
    assertReceipts(sent, token(u, "alice"), 2, 2, 2);

    // The bridge answers the same; any member may ask (counting everyone but the asker, the sender included).
    assertEquals(new JsonObject().put("messageId", sent).put("deliveredTo", 2).put("readBy", 2).put("members", 2),
      await(alice.request("parley.rooms.receipts", new JsonObject().put("messageId", sent))));
    assertEquals(new JsonObject().put("messageId", sent).put("deliveredTo", 2).put("readBy", 2).put("members", 2),
      await(bob.request("parley.rooms.receipts", new JsonObject().put("messageId", sent))));

    // The members list carries both positions, so a client can count any message itself.
    JsonObject bobMember = member(await(rest.expectGet(200, "/conversations/" + id + "/members", token(u, "alice"))), u.get("bob"));
    assertEquals(1L, bobMember.getLong("readSeq"));
    assertEquals(1L, bobMember.getLong("deliveredSeq"));
  }

  /** A message written live to a member's connection is delivered; the sender's own are not reported for the sender. */
  @Test
  void live_messages_are_delivered_once_per_flush_not_once_per_message() throws Exception {
    Chat chat = chat("acme", "bob", "carol");
    Map<String, JsonObject> u = chat.users();
    String id = chat.roomId();
    BridgeClient alice = chat.alice();
    BridgeClient bob = await(node.online(u.get("bob")));
    int burst = 30;
    List<Future<JsonObject>> sends = new ArrayList<>();
    for (int i = 1; i <= burst; i++) {
      sends.add(alice.send(id, "b-" + i, "burst " + i));
    }
    await(Future.all(sends));
    await(bob.awaitMessages(id, burst));
    await(alice.awaitEvents(delivered(u.get("bob"), burst), 1));
    await(node.vertx().timer(QUIET_MS));

    String bobId = u.get("bob").getString("userId");
    List<Long> positions = alice.events().stream().filter(delivered(u.get("bob"), 1))
      .map(e -> e.getJsonObject("positions").getLong(bobId)).toList();
    assertTrue(positions.size() <= burst / 2, "coalesced: " + positions.size() + " delivered events for " + burst + " messages");
    assertEquals(positions.stream().sorted().distinct().toList(), positions, "only forward");
    assertEquals((long) burst, positions.get(positions.size() - 1));
    assertTrue(alice.events().stream().noneMatch(delivered(u.get("alice"), 1)), "the sender's own messages announce nothing");
    assertTrue(alice.events().stream().noneMatch(delivered(u.get("carol"), 1)), "carol had no connection");
    assertReceipts(id + ":" + burst, token(u, "alice"), 1, 0, 2);
    // Her own messages count as delivered to and read by the sender: asked by bob, she is counted, carol not.
    assertReceipts(id + ":1", token(u, "bob"), 1, 1, 2);
  }

  @Test
  void receipts_off_for_a_tenant_hide_everyone_elses_positions_but_keep_unread_counts() throws Exception {
    Rest rest = node.rest();
    Chat chat = chat("quiet", "bob");
    Map<String, JsonObject> u = chat.users();
    String id = chat.roomId();
    BridgeClient alice = chat.alice();
    BridgeClient bobPhone = await(node.online(u.get("bob")));
    BridgeClient bobLaptop = await(node.online(u.get("bob")));
    String sent = await(rest.send(token(u, "alice"), id, "q-1", "hush")).getString("id");
    await(rest.send(token(u, "alice"), id, "q-2", "hush again"));
    await(bobPhone.awaitMessages(id, 2));
    await(bobPhone.request("parley.rooms.read", new JsonObject().put("conversationId", id).put("seq", 1)));

    // bob's other device follows his read position; alice hears of neither position.
    await(bobLaptop.awaitEvents(read(u.get("bob"), 1), 1));
    assertEquals(1L, conversation(await(rest.expectGet(200, "/conversations", token(u, "bob"))), id).getLong("unread"));
    await(node.vertx().timer(QUIET_MS));
    assertTrue(alice.events().stream().noneMatch(e -> List.of("read", "delivered").contains(e.getString("type"))),
      "alice sees no position of bob: " + alice.events());

    assertError(await(rest.get("/messages/" + sent + "/receipts", token(u, "alice"))), 403, "RECEIPTS_DISABLED");
    Exception bridged = assertThrows(Exception.class, () -> await(alice.request("parley.rooms.receipts", new JsonObject().put("messageId", sent))));
    assertBridgeError(bridged, 307, "RECEIPTS_DISABLED");

    JsonObject members = await(rest.expectGet(200, "/conversations/" + id + "/members", token(u, "alice")));
    assertFalse(member(members, u.get("bob")).containsKey("readSeq"), "others' positions are left out: " + members);
    assertFalse(member(members, u.get("bob")).containsKey("deliveredSeq"), members.encode());
    assertEquals(2L, member(members, u.get("alice")).getLong("readSeq"), "the caller's own stay: " + members);
  }

  /** Only members see receipts: everything else answers like a message that does not exist, on both doors. */
  @Test
  void receipts_of_messages_one_cannot_see_are_not_found_and_malformed_ids_are_refused() throws Exception {
    Rest rest = node.rest();
    Map<String, JsonObject> u = await(rest.users("acme", "alice", "bob", "carol"));
    JsonObject eve = await(rest.user("globex", "eve"));
    String open = room(u.get("alice"), "bob");
    String closed = await(rest.createConversation(token(u, "alice"), new JsonObject().put("type", "group")
      .put("members", new JsonArray().add("bob")))).getString("id");
    await(rest.send(token(u, "alice"), open, "o-1", "public"));
    await(rest.send(token(u, "alice"), closed, "c-1", "private"));
    String carol = token(u, "carol");

    record Case(String what, String messageId, String token, int status, String code, int failureCode) {
    }
    List<Case> cases = List.of(
      new Case("a public room carol has not joined", open + ":1", carol, 404, "MESSAGE_NOT_FOUND", 402),
      new Case("a group carol is not in", closed + ":1", carol, 404, "MESSAGE_NOT_FOUND", 402),
      new Case("another tenant's message", open + ":1", eve.getString("accessToken"), 404, "MESSAGE_NOT_FOUND", 402),
      new Case("a seq beyond the head", open + ":2", token(u, "alice"), 404, "MESSAGE_NOT_FOUND", 402),
      new Case("a conversation that does not exist", "9b2e0d1c-0000-4000-8000-000000000000:1", token(u, "alice"), 404,
        "MESSAGE_NOT_FOUND", 402),
      new Case("no seq", open, token(u, "alice"), 400, "VALIDATION_FAILED", 101),
      new Case("a seq that is not a number", open + ":one", token(u, "alice"), 400, "VALIDATION_FAILED", 101),
      new Case("seq 0", open + ":0", token(u, "alice"), 400, "VALIDATION_FAILED", 101),
      new Case("a negative seq", open + ":-1", token(u, "alice"), 400, "VALIDATION_FAILED", 101),
      new Case("an id over 84 bytes", "x".repeat(90) + ":1", token(u, "alice"), 413, "PAYLOAD_TOO_LARGE", 102));
    Map<String, BridgeClient> bridges = Map.of(carol, await(node.online(u.get("carol"))),
      eve.getString("accessToken"), await(node.online(eve)), token(u, "alice"), await(node.online(u.get("alice"))));
    for (Case c : cases) {
      HttpResponse<Buffer> answer = await(rest.get("/messages/" + c.messageId() + "/receipts", c.token()));
      assertError(answer, c.status(), c.code());
      Exception bridged = assertThrows(Exception.class, () -> await(bridges.get(c.token())
        .request("parley.rooms.receipts", new JsonObject().put("messageId", c.messageId()))), c.what());
      assertBridgeError(bridged, c.failureCode(), c.code());
    }
    Exception missing = assertThrows(Exception.class, () -> await(bridges.get(carol).request("parley.rooms.receipts", new JsonObject())));
    assertBridgeError(missing, 101, "VALIDATION_FAILED");

    // A non-member of a public room sees its members, but not their positions.
    JsonObject listed = member(await(rest.expectGet(200, "/conversations/" + open + "/members", carol)), u.get("bob"));
    assertFalse(listed.containsKey("readSeq") || listed.containsKey("deliveredSeq"), listed.encode());
  }

  /** alice (online on the bridge) and {@code others} of {@code tenant}, in a room alice created. */
  @Test
  void delivered_positions_are_gathered_into_one_event_per_conversation_not_one_per_member() throws Exception {
    String[] others = {"b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8"};
    Chat chat = chat("busy", others);
    List<BridgeClient> members = new ArrayList<>();
    for (String name : others) {
      members.add(await(node.online(chat.users().get(name))));
    }
    await(node.rest().send(token(chat.users(), "alice"), chat.roomId(), "a-1", "to eight"));
    for (String name : others) {
      await(chat.alice().awaitEvents(delivered(chat.users().get(name), 1), 1));
    }
    await(node.vertx().timer(QUIET_MS));
    long events = chat.alice().events().stream().filter(e -> "delivered".equals(e.getString("type"))).count();
    // Eight members handed the message within one flush or two: a few events naming several, not eight.
    assertTrue(events <= 3, events + " delivered events for 8 members: " + chat.alice().events());
    for (BridgeClient member : members) {
      assertTrue(member.events().stream().filter(e -> "delivered".equals(e.getString("type"))).count() <= 3);
    }
  }

  private record Chat(Map<String, JsonObject> users, String roomId, BridgeClient alice) {
  }

  private Chat chat(String tenant, String... others) throws Exception {
    List<String> names = new ArrayList<>(List.of(others));
    names.add(0, "alice");
    Map<String, JsonObject> users = await(node.rest().users(tenant, names.toArray(String[]::new)));
    return new Chat(users, room(users.get("alice"), others), await(node.online(users.get("alice"))));
  }

  private String room(JsonObject creator, String... members) throws Exception {
    return await(node.rest().createConversation(creator.getString("accessToken"), new JsonObject().put("type", "room")
      .put("name", "general").put("members", new JsonArray(List.of(members))))).getString("id");
  }

  private void assertReceipts(String messageId, String token, int deliveredTo, int readBy, int members) throws Exception {
    assertEquals(new JsonObject().put("messageId", messageId).put("deliveredTo", deliveredTo).put("readBy", readBy).put("members", members),
      await(node.rest().expectGet(200, "/messages/" + messageId + "/receipts", token)));
  }

  private static String token(Map<String, JsonObject> users, String name) {
    return users.get(name).getString("accessToken");
  }

  /** A {@code delivered} event (positions gathered per conversation) that moves {@code user} to {@code atLeast}. */
  private static Predicate<JsonObject> delivered(JsonObject user, long atLeast) {
    return e -> "delivered".equals(e.getString("type"))
      && e.getJsonObject("positions").getLong(user.getString("userId"), 0L) >= atLeast;
  }

  private static Predicate<JsonObject> read(JsonObject user, long atLeast) {
    return e -> "read".equals(e.getString("type")) && user.getString("userId").equals(e.getString("userId"))
      && e.getLong("readSeq") >= atLeast;
  }

  private static JsonObject member(JsonObject members, JsonObject user) {
    return members.getJsonArray("members").stream().map(JsonObject.class::cast)
      .filter(m -> user.getString("userId").equals(m.getString("userId"))).findFirst()
      .orElseThrow(() -> new AssertionError("no member " + user.getString("username") + " in " + members));
  }

  private static JsonObject conversation(JsonObject list, String id) {
    return list.getJsonArray("conversations").stream().map(JsonObject.class::cast)
      .filter(c -> id.equals(c.getString("id"))).findFirst().orElseThrow(() -> new AssertionError("no " + id + " in " + list));
  }
}
