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

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads over REST and the real bridge on one node: replies are messages of the conversation with a
 * place in their thread, the root counts them, the thread pages by its own cursor, followers are told.
 */
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class ThreadsTest {

  @RegisterExtension
  static final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  /** alice, bob and carol of {@code tenant} in a room alice created. */
  private static RoomOfMany chat(String tenant) throws Exception {
    return await(RoomOfMany.create(node.rest(), tenant, "threads", List.of("alice", "bob", "carol"), List.of()));
  }

  @Test
  void replies_count_on_the_root_page_by_thread_and_notify_followers() throws Exception {
    RoomOfMany chat = chat("threads");
    BridgeClient alice = await(node.online(chat.user("alice")));
    BridgeClient carol = await(node.online(chat.user("carol")));
    String root = await(node.rest().send(chat.token("alice"), chat.roomId(), "root", "a question")).getString("id");
    await(node.rest().send(chat.token("carol"), chat.roomId(), "other", "not in the thread"));

    JsonObject first = await(reply(chat.token("bob"), chat.roomId(), "r-1", "an answer", root).compose(r -> Rest.check(r, 201)));
    assertEquals(root, first.getString("threadOf"));
    assertEquals(1L, first.getLong("threadSeq"));
    assertEquals(3L, first.getLong("seq"), "a reply is a message of the conversation's log");
    JsonObject resent = await(reply(chat.token("bob"), chat.roomId(), "r-1", "an answer", root).compose(r -> Rest.check(r, 201)));
    assertEquals(first.getString("id"), resent.getString("id"));
    assertEquals(1L, resent.getLong("threadSeq"), "a resend keeps its place");
    // A reply to a reply joins the root's thread.
    JsonObject nested = await(reply(chat.token("alice"), chat.roomId(), "r-2", "thanks", first.getString("id")).compose(r -> Rest.check(r, 201)));
    assertEquals(root, nested.getString("threadOf"));
    assertEquals(2L, nested.getLong("threadSeq"));
    for (int i = 3; i <= 7; i++) {
      await(reply(chat.token("bob"), chat.roomId(), "r-" + i, "more " + i, root).compose(r -> Rest.check(r, 201)));
    }

    JsonObject rootNow = await(node.rest().history(chat.token("alice"), chat.roomId(), "after=0&limit=1")).getJsonArray("messages").getJsonObject(0);
    assertEquals(7L, rootNow.getLong("replyCount"));
    assertTrue(rootNow.getLong("lastReplyAt") >= first.getLong("createdAt"));
    JsonObject newest = thread(chat.token("carol"), root, "limit=3");
    assertEquals(root, newest.getJsonObject("parent").getString("id"));
    assertEquals(List.of(5L, 6L, 7L), threadSeqs(newest));
    assertTrue(newest.getBoolean("hasMore"));
    JsonObject older = thread(chat.token("carol"), root, "before=5&limit=3");
    assertEquals(List.of(2L, 3L, 4L), threadSeqs(older));
    JsonObject all = thread(chat.token("carol"), first.getString("id"), "after=0&limit=50");
    assertEquals(LongStream.rangeClosed(1, 7).boxed().toList(), threadSeqs(all), "a reply's id pages its root's thread");
    assertEquals(root, all.getJsonObject("parent").getString("id"));

    // alice (the root's author) follows the thread: told of every reply not hers; carol never replied: not told.
    List<JsonObject> told = await(alice.awaitEvents(e -> "thread.reply".equals(e.getString("type")), 6));
    // Each notice waits for its own membership lookup: two close together may cross (PROTOCOL says to order by threadSeq).
    assertEquals(List.of(1L, 3L, 4L, 5L, 6L, 7L), told.stream().map(e -> e.getJsonObject("message").getLong("threadSeq")).sorted().toList());
    assertTrue(told.stream().allMatch(e -> root.equals(e.getString("threadOf"))));
    assertTrue(carol.events().stream().noneMatch(e -> "thread.reply".equals(e.getString("type"))), "carol does not follow it");
    assertEquals(LongStream.rangeClosed(1, 9).boxed().toList(), carol.seqs(chat.roomId()).stream().distinct().sorted().toList(),
      "every reply reaches every member as a message of the room");
  }

  @Test
  void bad_replies_are_refused_with_stable_codes_and_store_nothing() throws Exception {
    RoomOfMany chat = chat("bad-threads");
    String root = await(node.rest().send(chat.token("alice"), chat.roomId(), "root", "root")).getString("id");
    String elsewhere = await(node.rest().createConversation(chat.token("alice"), new JsonObject().put("type", "room").put("name", "elsewhere")))
      .getString("id");
    String foreign = await(node.rest().send(chat.token("alice"), elsewhere, "x", "in another room")).getString("id");

    assertError(await(reply(chat.token("alice"), chat.roomId(), "r-1", "cross", foreign)), 422, "THREAD_PARENT_INVALID");
    assertError(await(reply(chat.token("alice"), chat.roomId(), "r-2", "nothing there", chat.roomId() + ":42")), 404, "MESSAGE_NOT_FOUND");
    assertError(await(reply(chat.token("alice"), chat.roomId(), "r-3", "garbage", "no-colon")), 400, "VALIDATION_FAILED");
    assertError(await(node.rest().call(HttpMethod.POST, "/conversations/" + chat.roomId() + "/messages", chat.token("alice"),
      new JsonObject().put("clientMsgId", "r-4").put("text", "t").put("threadOf", 42))), 400, "VALIDATION_FAILED");
    // Someone of another tenant, and a member who left, cannot reply (nor read the thread).
    JsonObject stranger = await(node.rest().user("other-tenant", "mallory"));
    assertError(await(reply(stranger.getString("accessToken"), chat.roomId(), "r-5", "hi", root)), 404, "CONVERSATION_NOT_FOUND");
    assertError(await(node.rest().get("/messages/" + root + "/thread", stranger.getString("accessToken"))), 404, "MESSAGE_NOT_FOUND");
    await(node.rest().call(HttpMethod.POST, "/conversations/" + chat.roomId() + "/leave", chat.token("carol"), null).compose(r -> Rest.check(r, 204)));
    assertError(await(reply(chat.token("carol"), chat.roomId(), "r-6", "gone", root)), 403, "NOT_A_MEMBER");
    // A deleted root takes no more replies.
    await(node.rest().call(HttpMethod.DELETE, "/messages/" + root, chat.token("alice"), null).compose(r -> Rest.check(r, 200)));
    assertError(await(reply(chat.token("bob"), chat.roomId(), "r-7", "late", root)), 409, "MESSAGE_DELETED");

    JsonArray stored = await(node.rest().history(chat.token("alice"), chat.roomId(), "")).getJsonArray("messages");
    assertEquals(1, stored.size(), "nothing refused was stored: " + stored.encode());
  }

  private static Future<HttpResponse<Buffer>> reply(String token, String roomId, String clientMsgId, String text, String threadOf) {
    return node.rest().call(HttpMethod.POST, "/conversations/" + roomId + "/messages", token,
      new JsonObject().put("clientMsgId", clientMsgId).put("text", text).put("threadOf", threadOf));
  }

  private static JsonObject thread(String token, String messageId, String query) throws Exception {
    return await(node.rest().expectGet(200, "/messages/" + messageId + "/thread?" + query, token));
  }

  private static List<Long> threadSeqs(JsonObject page) {
    List<Long> seqs = new ArrayList<>();
    page.getJsonArray("messages").forEach(m -> seqs.add(((JsonObject) m).getLong("threadSeq")));
    return seqs;
  }
}
