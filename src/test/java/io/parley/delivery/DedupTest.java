package io.parley.delivery;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.parley.testing.RoomOfTwo;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.ApiAssertions.assertBridgeError;
import static io.parley.testing.ApiAssertions.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Idempotent sends: a clientMsgId names one message per sender, however often and however it is resent. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class DedupTest {

  private static final String SEND = "parley.delivery.send";

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess().manual();

  private RoomOfTwo chat;

  /** A node started with {@code overrides}; alice and bob; a room of the two. */
  private Future<Void> given(JsonObject overrides) {
    return RoomOfTwo.startNode(node, overrides, "dedup").onSuccess(room -> chat = room).mapEmpty();
  }

  @Test
  void a_resent_clientMsgId_answers_with_the_stored_message_over_rest_and_bridge(VertxTestContext ctx) {
    given(new JsonObject()).compose(v -> resendScenario(ctx)).onComplete(ctx.succeedingThenComplete());
  }

  private Future<?> resendScenario(VertxTestContext ctx) {
    String token = chat.alice().getString("accessToken");
    return node.online(chat.alice()).compose(aliceTab ->
      postMessage(token, "m-1", "hello").compose(first ->
        postMessage(token, "m-1", "hello").compose(replay ->
          aliceTab.request(SEND, sendBody("m-1", "hello")).compose(bridgeReplay ->
            // And the other way round: first over the bridge, replayed over the bridge and REST.
            aliceTab.request(SEND, sendBody("m-2", "second")).compose(bridgeFirst ->
              aliceTab.request(SEND, sendBody("m-2", "second")).compose(bridgeSecond ->
                postMessage(token, "m-2", "second").compose(restReplay ->
                  node.rest().history(token, chat.roomId(), "after=0").map(history -> {
                    ctx.verify(() -> {
                      assertEquals(201, first.statusCode());
                      assertNull(first.getHeader("Idempotent-Replayed"), "the original send is no replay");
                      JsonObject original = first.bodyAsJsonObject();
                      assertEquals(1L, original.getLong("seq"));
                      assertFalse(original.containsKey("duplicate"), "REST flags replays by header only");

                      assertEquals(201, replay.statusCode(), "a replay answers as the original did");
                      assertEquals("true", replay.getHeader("Idempotent-Replayed"));
                      JsonObject replayed = replay.bodyAsJsonObject();
                      assertEquals(original.getString("id"), replayed.getString("id"));
                      assertEquals(original.getLong("seq"), replayed.getLong("seq"));
                      assertEquals(original.getLong("createdAt"), replayed.getLong("createdAt"));
                      assertEquals("hello", replayed.getString("text"));

                      assertEquals(Boolean.TRUE, bridgeReplay.getBoolean("duplicate"));
                      assertEquals(original.getLong("seq"), bridgeReplay.getLong("seq"));
                      assertEquals(original.getString("id"), bridgeReplay.getString("id"));

                      assertEquals(Boolean.FALSE, bridgeFirst.getBoolean("duplicate"));
                      assertEquals(2L, bridgeFirst.getLong("seq"));
                      assertEquals(Boolean.TRUE, bridgeSecond.getBoolean("duplicate"));
                      assertEquals(bridgeFirst.getLong("seq"), bridgeSecond.getLong("seq"));
                      assertEquals(bridgeFirst.getString("id"), bridgeSecond.getString("id"));
                      assertEquals(201, restReplay.statusCode());
                      assertEquals("true", restReplay.getHeader("Idempotent-Replayed"));
                      assertEquals(bridgeFirst.getLong("seq"), restReplay.bodyAsJsonObject().getLong("seq"));
                      assertEquals(bridgeFirst.getString("id"), restReplay.bodyAsJsonObject().getString("id"));

                      JsonArray messages = history.getJsonArray("messages");
                      assertEquals(2, messages.size(), "one stored message per clientMsgId: " + messages.encode());
                      assertEquals("m-1", messages.getJsonObject(0).getString("clientMsgId"));
                      assertEquals(1L, messages.getJsonObject(0).getLong("seq"));
                      assertEquals("m-2", messages.getJsonObject(1).getString("clientMsgId"));
                      assertEquals(2L, messages.getJsonObject(1).getLong("seq"));
                    });
                    return history;
                  }))))))));
  }

  @Test
  void concurrent_resends_of_a_new_clientMsgId_store_and_deliver_one_message(VertxTestContext ctx) {
    given(new JsonObject()).compose(v -> burstScenario(ctx)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void concurrent_resends_across_competing_delivery_instances_store_and_deliver_one_message(VertxTestContext ctx) {
    given(new JsonObject().put("node", new JsonObject().put("verticles", new JsonObject().put("delivery", 4))))
      .compose(v -> burstScenario(ctx)).onComplete(ctx.succeedingThenComplete());
  }

  private Future<?> burstScenario(VertxTestContext ctx) {
    String token = chat.alice().getString("accessToken");
    return Future.all(node.online(chat.alice()), node.online(chat.bob()), node.online(chat.bob())).compose(connected -> {
      BridgeClient aliceTab = connected.resultAt(0);
      BridgeClient bobPhone = connected.resultAt(1);
      BridgeClient bobLaptop = connected.resultAt(2);
      // Ten copies at once, half over REST and half over the bridge, as a client retrying on a flaky network.
      List<Future<JsonObject>> acks = new ArrayList<>();
      List<Future<Boolean>> replayFlags = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        if (i % 2 == 0) {
          Future<HttpResponse<Buffer>> response = postMessage(token, "burst-1", "once only");
          acks.add(response.compose(r -> Rest.check(r, 201)));
          replayFlags.add(response.map(r -> "true".equals(r.getHeader("Idempotent-Replayed"))));
        } else {
          Future<JsonObject> ack = aliceTab.request(SEND, sendBody("burst-1", "once only"));
          acks.add(ack);
          replayFlags.add(ack.map(a -> a.getBoolean("duplicate")));
        }
      }
      return Future.all(acks).compose(all -> Future.all(replayFlags))
        .compose(all -> Future.all(bobPhone.awaitMessages(chat.roomId(), 1), bobLaptop.awaitMessages(chat.roomId(), 1),
          aliceTab.awaitMessages(chat.roomId(), 1)))
        // Give any extra copy time to arrive before counting.
        .compose(all -> node.vertx().timer(500))
        .compose(t -> node.rest().history(token, chat.roomId(), "after=0"))
        .map(history -> {
          ctx.verify(() -> {
            JsonObject first = acks.get(0).result();
            for (Future<JsonObject> ack : acks) {
              assertEquals(first.getLong("seq"), ack.result().getLong("seq"), "every copy acks the one seq");
              assertEquals(first.getString("id"), ack.result().getString("id"), "every copy acks the one message");
            }
            assertEquals(1L, first.getLong("seq"));
            long originals = replayFlags.stream().filter(f -> !f.result()).count();
            assertEquals(1, originals, "exactly one of the ten is the original, the rest are replays");

            JsonArray messages = history.getJsonArray("messages");
            assertEquals(1, messages.size(), "stored once: " + messages.encode());
            assertEquals("burst-1", messages.getJsonObject(0).getString("clientMsgId"));

            // Every resend is published again (the original's publisher may have died), so a connection
            // may see copies; after dropping seqs it holds, as the protocol asks, it has exactly one.
            for (BridgeClient client : List.of(aliceTab, bobPhone, bobLaptop)) {
              List<JsonObject> delivered = client.events().stream()
                .filter(e -> "message".equals(e.getString("type"))).toList();
              assertTrue(delivered.size() >= 1 && delivered.size() <= 10, "one event per send at most: " + delivered.size());
              assertEquals(1, delivered.stream().map(e -> e.getJsonObject("message").getLong("seq")).distinct().count(),
                "exactly one message after dedup by seq");
              for (JsonObject event : delivered) {
                JsonObject copy = event.getJsonObject("message");
                assertEquals(first.getString("id"), copy.getString("id"), "every copy is the stored message");
                assertEquals("once only", copy.getString("text"));
              }
            }
          });
          return history;
        });
    });
  }

  @Test
  void reusing_a_clientMsgId_for_a_different_text_is_refused_and_keeps_the_original(VertxTestContext ctx) {
    given(new JsonObject()).compose(v -> reuseScenario(ctx)).onComplete(ctx.succeedingThenComplete());
  }

  private Future<?> reuseScenario(VertxTestContext ctx) {
    String token = chat.alice().getString("accessToken");
    return node.online(chat.alice()).compose(aliceTab ->
      postMessage(token, "m-1", "the original").compose(original ->
        postMessage(token, "m-1", "a different text").compose(reused ->
          aliceTab.request(SEND, sendBody("m-1", "a different text over the bridge"))
            .map(ack -> (Throwable) new AssertionError("reuse over the bridge was accepted: " + ack))
            .recover(Future::succeededFuture)
            .compose(bridgeFailure -> node.rest().send(token, chat.roomId(), "m-2", "next")
              .compose(next -> node.rest().history(token, chat.roomId(), "after=0").map(history -> {
                ctx.verify(() -> {
                  assertEquals(201, original.statusCode());
                  assertError(reused, 409, "CLIENT_MSG_ID_REUSED");
                  assertNull(reused.getHeader("Idempotent-Replayed"));
                  assertBridgeError(bridgeFailure, 401, "CLIENT_MSG_ID_REUSED");

                  // A refused reuse consumes no seq.
                  assertEquals(2L, next.getLong("seq"));
                  JsonArray messages = history.getJsonArray("messages");
                  assertEquals(2, messages.size(), messages.encode());
                  JsonObject stored = messages.getJsonObject(0);
                  assertEquals("m-1", stored.getString("clientMsgId"));
                  assertEquals("the original", stored.getString("text"));
                  assertEquals(original.bodyAsJsonObject().getString("id"), stored.getString("id"));
                  assertEquals(1L, stored.getLong("seq"));
                });
                return history;
              }))))));
  }

  @Test
  void the_same_clientMsgId_from_two_senders_is_two_messages(VertxTestContext ctx) {
    given(new JsonObject()).compose(v -> twoSendersScenario(ctx)).onComplete(ctx.succeedingThenComplete());
  }

  private Future<?> twoSendersScenario(VertxTestContext ctx) {
    String aliceToken = chat.alice().getString("accessToken");
    String bobToken = chat.bob().getString("accessToken");
    return node.online(chat.bob()).compose(bobTab ->
      node.rest().send(aliceToken, chat.roomId(), "shared-1", "same words").compose(fromAlice ->
        bobTab.request(SEND, sendBody("shared-1", "same words")).compose(fromBob ->
          // Each sender's resend still finds its own message.
          postMessage(aliceToken, "shared-1", "same words").compose(aliceReplay ->
            postMessage(bobToken, "shared-1", "same words").compose(bobReplay ->
              node.rest().history(aliceToken, chat.roomId(), "after=0").map(history -> {
                ctx.verify(() -> {
                  assertEquals(1L, fromAlice.getLong("seq"));
                  assertEquals(Boolean.FALSE, fromBob.getBoolean("duplicate"), "bob's message is not alice's");
                  assertEquals(2L, fromBob.getLong("seq"));
                  assertNotEquals(fromAlice.getString("id"), fromBob.getString("id"));

                  assertEquals("true", aliceReplay.getHeader("Idempotent-Replayed"));
                  assertEquals(fromAlice.getString("id"), aliceReplay.bodyAsJsonObject().getString("id"));
                  assertEquals("true", bobReplay.getHeader("Idempotent-Replayed"));
                  assertEquals(fromBob.getString("id"), bobReplay.bodyAsJsonObject().getString("id"));

                  JsonArray messages = history.getJsonArray("messages");
                  assertEquals(2, messages.size(), messages.encode());
                  assertEquals(chat.alice().getString("userId"), messages.getJsonObject(0).getString("senderId"));
                  assertEquals(chat.bob().getString("userId"), messages.getJsonObject(1).getString("senderId"));
                  assertEquals("shared-1", messages.getJsonObject(0).getString("clientMsgId"));
                  assertEquals("shared-1", messages.getJsonObject(1).getString("clientMsgId"));
                });
                return history;
              }))))));
  }

  private Future<HttpResponse<Buffer>> postMessage(String token, String clientMsgId, String text) {
    return node.rest().post("/conversations/" + chat.roomId() + "/messages", token,
      new JsonObject().put("clientMsgId", clientMsgId).put("text", text));
  }

  private JsonObject sendBody(String clientMsgId, String text) {
    return BridgeClient.message(chat.roomId(), clientMsgId, text);
  }
}
