package io.parley.delivery;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfMany;
import io.parley.testing.Rest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.ApiAssertions.bridgeRefused;
import static io.parley.testing.Async.await;
import static io.parley.testing.Async.labelled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Edits and deletes end to end, over REST and the real bridge on one node: each change live to every
 * member's connections, offline members and resumed clients catching up through sync, and every refusal
 * with its stable code and nothing changed.
 */
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class MessageChangesTest {

  private static final String EDIT = "parley.delivery.edit";
  private static final String DELETE = "parley.delivery.delete";
  private static final String SYNC = "parley.delivery.sync";

  @RegisterExtension
  static final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  /** alice, bob and carol of {@code tenant}; a room alice owns with bob in it (carol is not). */
  private static RoomOfMany chat(String tenant) throws Exception {
    return await(RoomOfMany.create(node.rest(), tenant, "changes", List.of("alice", "bob"), List.of("carol")));
  }

  @Test
  void each_change_reaches_every_members_connections_live_in_order() throws Exception {
    RoomOfMany chat = chat("live");
    String room = chat.roomId();
    List<BridgeClient> connections = List.of(await(node.online(chat.user("alice"))), await(node.online(chat.user("alice"))),
      await(node.online(chat.user("bob"))));
    String first = await(node.rest().send(chat.token("alice"), room, "m-1", "first")).getString("id");
    String bobs = await(node.rest().send(chat.token("bob"), room, "m-2", "bob's")).getString("id");

    JsonObject edited = ok(200, edit(chat.token("alice"), first, new JsonObject().put("text", "first, edited").put("clientChangeId", "e-1")));
    assertEquals("first, edited", edited.getString("text"));
    assertNotNull(edited.getLong("editedAt"));
    assertEquals(first, edited.getString("id"));
    JsonObject overBridge = await(connections.get(2).request(EDIT, new JsonObject().put("messageId", bobs).put("text", "bob's, edited")
      .put("clientChangeId", "e-2")));
    assertEquals("bob's, edited", overBridge.getString("text"));
    JsonObject tombstone = ok(200, node.rest().call(HttpMethod.DELETE, "/messages/" + bobs, chat.token("alice"), null));
    assertTrue(tombstone.getBoolean("deleted"), "the owner deletes bob's message: " + tombstone.encode());
    assertFalse(tombstone.containsKey("text"));
    assertEquals(2L, tombstone.getLong("seq"));
    JsonObject ownDelete = await(connections.get(0).request(DELETE, new JsonObject().put("messageId", first).put("clientChangeId", "d-1")));
    assertTrue(ownDelete.getBoolean("deleted"));

    for (BridgeClient connection : connections) {
      List<JsonObject> changes = await(connection.awaitEvents(e -> "message.changed".equals(e.getString("type")), 4));
      assertEquals(List.of(1L, 2L, 3L, 4L), changes.stream().map(e -> e.getLong("changeSeq")).toList());
      assertEquals(List.of("edited", "edited", "deleted", "deleted"), changes.stream().map(e -> e.getString("kind")).toList());
      assertEquals("first, edited", changes.get(0).getJsonObject("message").getString("text"));
      assertEquals("bob's, edited", changes.get(1).getJsonObject("message").getString("text"));
      JsonObject deleted = changes.get(2).getJsonObject("message");
      assertEquals(bobs, deleted.getString("id"));
      assertTrue(deleted.getBoolean("deleted"));
      assertFalse(deleted.containsKey("text"), deleted.encode());
      assertTrue(changes.stream().allMatch(e -> room.equals(e.getString("conversationId"))));
      assertEquals(2, connection.messages(room).size(), "changes are not messages");
    }

    JsonArray history = await(node.rest().history(chat.token("bob"), room, "")).getJsonArray("messages");
    assertEquals(2, history.size(), "tombstones keep their place");
    for (int i = 0; i < 2; i++) {
      JsonObject message = history.getJsonObject(i);
      assertEquals(i + 1L, message.getLong("seq"));
      assertTrue(message.getBoolean("deleted"));
      assertFalse(message.containsKey("text"));
    }
    JsonObject unread = await(node.rest().expectGet(200, "/conversations", chat.token("bob"))).getJsonArray("conversations").getJsonObject(0);
    assertEquals(2L, unread.getLong("lastSeq"), "changes move no head: unread counts messages only");
  }

  @Test
  void an_offline_member_gets_edits_and_deletes_on_sync_in_order_after_their_messages() throws Exception {
    RoomOfMany chat = chat("offline");
    String room = chat.roomId();
    String m1 = await(node.rest().send(chat.token("alice"), room, "m-1", "one")).getString("id");
    String m2 = await(node.rest().send(chat.token("alice"), room, "m-2", "two")).getString("id");
    // bob holds messages 1 and 2 and no change, then goes away.
    ok(200, edit(chat.token("alice"), m1, new JsonObject().put("text", "one, edited")));                 // change 1: message 1
    String m3 = await(node.rest().send(chat.token("alice"), room, "m-3", "three")).getString("id");
    ok(200, edit(chat.token("alice"), m3, new JsonObject().put("text", "three, edited")));               // change 2: message 3, not held
    ok(200, node.rest().call(HttpMethod.DELETE, "/messages/" + m2 + "?clientChangeId=d-2", chat.token("alice"), null)); // change 3
    ok(200, edit(chat.token("alice"), m1, new JsonObject().put("text", "one, edited twice")));           // change 4

    BridgeClient bob = await(node.online(chat.user("bob")));
    JsonObject page = await(bob.request(SYNC, new JsonObject().put("positions", new JsonObject()
      .put(room, new JsonObject().put("seq", 2).put("changeSeq", 0))))).getJsonObject("conversations").getJsonObject(room);

    JsonArray messages = page.getJsonArray("messages");
    assertEquals(1, messages.size(), page.encode());
    assertEquals("three, edited", messages.getJsonObject(0).getString("text"), "a message not held comes in its latest state");
    assertNotNull(messages.getJsonObject(0).getLong("editedAt"));
    JsonArray changes = page.getJsonArray("changes");
    assertEquals(List.of(1L, 3L, 4L), longs(changes, "changeSeq"), "changes to held messages only, in order: " + changes.encode());
    assertEquals(List.of(m1, m2, m1), changes.stream().map(c -> ((JsonObject) c).getJsonObject("message").getString("id")).toList());
    assertEquals("one, edited twice", changes.getJsonObject(2).getJsonObject("message").getString("text"));
    assertTrue(changes.getJsonObject(1).getJsonObject("message").getBoolean("deleted"));
    assertEquals(4L, page.getLong("changeSeq"));
    assertFalse(page.getBoolean("changesHaveMore"));

    // From the new position: nothing more. From a number (the seq alone): changes from the start.
    JsonObject caughtUp = await(bob.request(SYNC, new JsonObject().put("positions", new JsonObject()
      .put(room, new JsonObject().put("seq", 3).put("changeSeq", 4))))).getJsonObject("conversations").getJsonObject(room);
    assertEquals(0, caughtUp.getJsonArray("messages").size());
    assertEquals(0, caughtUp.getJsonArray("changes").size());
    assertEquals(4L, caughtUp.getLong("changeSeq"));
    JsonObject overRest = await(node.rest().expect(200, "/sync", chat.token("bob"), new JsonObject().put("positions", new JsonObject().put(room, 3))))
      .getJsonObject("conversations").getJsonObject(room);
    assertEquals(List.of(1L, 2L, 3L, 4L), longs(overRest.getJsonArray("changes"), "changeSeq"),
      "POST /api/sync with a position before a change returns it");
  }

  /**
   * bob sees some of the conversation live, goes away at (N, C), and alice makes 200 seeded sends, edits and
   * deletes. bob's resumed connection gets, through sync, exactly the messages after N in their final
   * state and the changes after C to messages at or below N, in order, each once.
   */
  @Test
  void a_client_resuming_from_its_positions_after_200_mixed_writes_gets_each_event_once() throws Exception {
    RoomOfMany chat = chat("resume");
    String room = chat.roomId();
    Random random = new Random(9);
    Map<Long, JsonObject> state = new LinkedHashMap<>();
    List<long[]> changeLog = new ArrayList<>();

    BridgeClient first = await(node.online(chat.user("bob")));
    for (int i = 0; i < 20; i++) {
      write(chat, random, state, changeLog, i);
    }
    long seenSeq = state.size();
    long seenChange = changeLog.size();
    await(first.awaitMessages(room, (int) seenSeq));
    await(first.awaitEvents(e -> "message.changed".equals(e.getString("type")), (int) seenChange));
    await(first.close());

    for (int i = 20; i < 220; i++) {
      write(chat, random, state, changeLog, i);
    }
    BridgeClient second = await(node.online(chat.user("bob")));
    JsonObject page = await(second.request(SYNC, new JsonObject().put("positions", new JsonObject()
      .put(room, new JsonObject().put("seq", seenSeq).put("changeSeq", seenChange))))).getJsonObject("conversations").getJsonObject(room);

    List<Long> expectedSeqs = LongStream.rangeClosed(seenSeq + 1, state.size()).boxed().toList();
    assertTrue(expectedSeqs.size() < 200, "one sync batch holds them: " + expectedSeqs.size());
    assertEquals(expectedSeqs, longs(page.getJsonArray("messages"), "seq"), "every later message once");
    for (Object m : page.getJsonArray("messages")) {
      JsonObject message = (JsonObject) m;
      assertEquals(state.get(message.getLong("seq")), view(message), "final state of " + message.getLong("seq"));
    }
    List<Long> expectedChanges = changeLog.stream().filter(c -> c[0] > seenChange && c[1] <= seenSeq).map(c -> c[0]).toList();
    assertFalse(expectedChanges.isEmpty());
    assertEquals(expectedChanges, longs(page.getJsonArray("changes"), "changeSeq"), "every change to a held message once, in order");
    Map<Long, JsonObject> applied = new LinkedHashMap<>();
    for (Object c : page.getJsonArray("changes")) {
      JsonObject message = ((JsonObject) c).getJsonObject("message");
      applied.put(message.getLong("seq"), view(message));
    }
    applied.forEach((seq, last) -> assertEquals(state.get(seq), last, "held message " + seq + " ends in its final state"));
    assertEquals((long) changeLog.size(), page.getLong("changeSeq"));
    assertFalse(page.getBoolean("hasMore"));
    assertFalse(page.getBoolean("changesHaveMore"));

    await(node.vertx().timer(300));
    // (Only receipts may follow: bob's own "delivered" position, reported for what the sync handed him.)
    assertEquals(List.of(), second.events().stream().filter(e -> room.equals(e.getString("conversationId")))
      .filter(e -> !"delivered".equals(e.getString("type"))).toList(), "nothing again live");
  }

  /** One seeded write by alice: a send, an edit of a live message, or a delete; the model follows. */
  private static void write(RoomOfMany chat, Random random, Map<Long, JsonObject> state, List<long[]> changeLog, int i) throws Exception {
    List<Long> live = state.entrySet().stream().filter(e -> !e.getValue().containsKey("deleted")).map(Map.Entry::getKey).toList();
    int roll = random.nextInt(10);
    if (live.isEmpty() || roll < 5) {
      JsonObject sent = await(node.rest().send(chat.token("alice"), chat.roomId(), "w-" + i, "text " + i));
      state.put(sent.getLong("seq"), new JsonObject().put("text", "text " + i));
      return;
    }
    long seq = live.get(random.nextInt(live.size()));
    String id = chat.roomId() + ":" + seq;
    if (roll < 8) {
      JsonObject edited = ok(200, edit(chat.token("alice"), id, new JsonObject().put("text", "edit " + i).put("clientChangeId", "c-" + i)));
      state.put(seq, view(edited));
    } else {
      JsonObject deleted = ok(200, node.rest().call(HttpMethod.DELETE, "/messages/" + id + "?clientChangeId=c-" + i, chat.token("alice"), null));
      state.put(seq, view(deleted));
    }
    changeLog.add(new long[] {changeLog.size() + 1, seq});
  }

  /** What a client shows of a message: its text, or that it is deleted. */
  private static JsonObject view(JsonObject message) {
    return message.getBoolean("deleted", false) ? new JsonObject().put("deleted", true) : new JsonObject().put("text", message.getString("text"));
  }

  @Test
  void refusals_have_stable_codes_and_change_nothing() throws Exception {
    RoomOfMany chat = chat("refusals");
    String room = chat.roomId();
    JsonObject eve = await(node.rest().user("elsewhere", "eve"));
    String alices = await(node.rest().send(chat.token("alice"), room, "m-1", "alice's")).getString("id");
    String bobs = await(node.rest().send(chat.token("bob"), room, "m-2", "bob's")).getString("id");
    String gone = await(node.rest().send(chat.token("alice"), room, "m-3", "to be deleted")).getString("id");
    ok(200, edit(chat.token("alice"), alices, new JsonObject().put("text", "alice's, edited").put("clientChangeId", "e-1")));
    ok(200, node.rest().call(HttpMethod.DELETE, "/messages/" + gone, chat.token("alice"), null));
    BridgeClient bobOnline = await(node.online(chat.user("bob")));
    JsonObject before = snapshot(chat);
    JsonObject text = new JsonObject().put("text", "changed");

    List<Object[]> rest = List.of(
      new Object[] {"another's message", edit(chat.token("bob"), alices, text), 403, "NOT_MESSAGE_AUTHOR"},
      new Object[] {"deleting another's, not the owner", node.rest().call(HttpMethod.DELETE, "/messages/" + alices, chat.token("bob"), null), 403, "NOT_MESSAGE_AUTHOR"},
      new Object[] {"editing a deleted message", edit(chat.token("alice"), gone, text), 409, "MESSAGE_DELETED"},
      new Object[] {"another tenant", edit(eve.getString("accessToken"), alices, text), 404, "MESSAGE_NOT_FOUND"},
      new Object[] {"another tenant deleting", node.rest().call(HttpMethod.DELETE, "/messages/" + alices, eve.getString("accessToken"), null), 404, "MESSAGE_NOT_FOUND"},
      new Object[] {"not a member", edit(chat.token("carol"), alices, text), 404, "MESSAGE_NOT_FOUND"},
      new Object[] {"no such seq", edit(chat.token("alice"), room + ":99", text), 404, "MESSAGE_NOT_FOUND"},
      new Object[] {"text over the limit", edit(chat.token("alice"), alices, new JsonObject().put("text", "x".repeat(16_385))), 413, "PAYLOAD_TOO_LARGE"},
      new Object[] {"no text", edit(chat.token("alice"), alices, new JsonObject()), 400, "VALIDATION_FAILED"},
      new Object[] {"malformed id", edit(chat.token("alice"), "not-an-id", text), 400, "VALIDATION_FAILED"},
      new Object[] {"seq 0", edit(chat.token("alice"), room + ":0", text), 400, "VALIDATION_FAILED"},
      new Object[] {"seq not a number", edit(chat.token("alice"), room + ":x1", text), 400, "VALIDATION_FAILED"},
      new Object[] {"id over its size", edit(chat.token("alice"), "c".repeat(100) + ":1", text), 413, "PAYLOAD_TOO_LARGE"},
      new Object[] {"bad change id", edit(chat.token("alice"), alices, text.copy().put("clientChangeId", "has space")), 400, "VALIDATION_FAILED"},
      new Object[] {"change id reused, other text", edit(chat.token("alice"), alices, new JsonObject().put("text", "other").put("clientChangeId", "e-1")), 409, "CLIENT_CHANGE_ID_REUSED"});
    for (Object[] row : rest) {
      HttpResponse<Buffer> answer = await((io.vertx.core.Future<HttpResponse<Buffer>>) row[1]);
      try {
        assertError(answer, (int) row[2], (String) row[3]);
      } catch (AssertionError e) {
        throw new AssertionError(row[0] + ": " + e.getMessage(), e);
      }
    }
    await(labelled("bridge: another's message", bridgeRefused(bobOnline.request(EDIT,
      new JsonObject().put("messageId", alices).put("text", "x")), 403, "NOT_MESSAGE_AUTHOR")));
    await(labelled("bridge: deleting another's", bridgeRefused(bobOnline.request(DELETE,
      new JsonObject().put("messageId", alices)), 403, "NOT_MESSAGE_AUTHOR")));
    await(labelled("bridge: malformed id", bridgeRefused(bobOnline.request(EDIT,
      new JsonObject().put("messageId", "nope").put("text", "x")), 101, "VALIDATION_FAILED")));
    BridgeClient aliceOnline = await(node.online(chat.user("alice")));
    await(labelled("bridge: a deleted message", bridgeRefused(aliceOnline.request(EDIT,
      new JsonObject().put("messageId", gone).put("text", "x")), 404, "MESSAGE_DELETED")));
    await(labelled("bridge: reused change id", bridgeRefused(aliceOnline.request(EDIT,
      new JsonObject().put("messageId", alices).put("text", "other").put("clientChangeId", "e-1")), 405, "CLIENT_CHANGE_ID_REUSED")));

    // bob leaves: his own message is out of his reach now.
    await(node.rest().expect(204, "/conversations/" + room + "/leave", chat.token("bob"), new JsonObject()));
    assertError(await(edit(chat.token("bob"), bobs, text)), 404, "MESSAGE_NOT_FOUND");
    assertError(await(node.rest().call(HttpMethod.DELETE, "/messages/" + bobs, chat.token("bob"), null)), 404, "MESSAGE_NOT_FOUND");
    await(node.rest().expect(200, "/conversations/" + room + "/join", chat.token("bob"), new JsonObject()));

    assertEquals(before, snapshot(chat), "nothing changed");
    JsonObject resent = ok(200, edit(chat.token("alice"), alices, new JsonObject().put("text", "alice's, edited").put("clientChangeId", "e-1")));
    assertEquals("alice's, edited", resent.getString("text"), "a resend answers the same change");
    assertEquals(before, snapshot(chat), "and stores nothing new");
  }

  /** The room's history and change log as bob's sync sees them. */
  private static JsonObject snapshot(RoomOfMany chat) throws Exception {
    JsonObject history = await(node.rest().history(chat.token("alice"), chat.roomId(), ""));
    JsonObject sync = await(node.rest().expect(200, "/sync", chat.token("alice"), new JsonObject().put("positions",
      new JsonObject().put(chat.roomId(), new JsonObject().put("seq", 0).put("changeSeq", 0)))));
    JsonObject page = sync.getJsonObject("conversations").getJsonObject(chat.roomId());
    page.remove("readSeq");
    return new JsonObject().put("history", history).put("sync", page);
  }

  private static io.vertx.core.Future<HttpResponse<Buffer>> edit(String token, String messageId, JsonObject body) {
    return node.rest().call(HttpMethod.PUT, "/messages/" + messageId, token, body);
  }

  private static JsonObject ok(int status, io.vertx.core.Future<HttpResponse<Buffer>> call) throws Exception {
    return await(call.compose(response -> Rest.check(response, status)));
  }

  private static List<Long> longs(JsonArray array, String field) {
    return array.stream().map(o -> ((JsonObject) o).getLong(field)).toList();
  }

  @Test
  void a_delete_replay_is_flagged_and_a_missing_text_field_is_refused_before_anything() throws Exception {
    RoomOfMany chat = chat("replay");
    String id = await(node.rest().send(chat.token("alice"), chat.roomId(), "m-1", "hi")).getString("id");
    HttpResponse<Buffer> once = await(node.rest().call(HttpMethod.DELETE, "/messages/" + id + "?clientChangeId=d-1", chat.token("alice"), null));
    HttpResponse<Buffer> twice = await(node.rest().call(HttpMethod.DELETE, "/messages/" + id + "?clientChangeId=d-1", chat.token("alice"), null));
    assertEquals(200, once.statusCode());
    assertNull(once.getHeader("Idempotent-Replayed"));
    assertEquals(200, twice.statusCode());
    assertEquals("true", twice.getHeader("Idempotent-Replayed"));
    assertEquals(once.bodyAsJsonObject(), twice.bodyAsJsonObject());
  }
}
