package io.parley.gateway;

import io.parley.testing.BridgeClient;
import io.parley.testing.Rest;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import static io.parley.gateway.BadInputFixture.HISTORY;
import static io.parley.gateway.BadInputFixture.MESSAGE_MAX_BYTES;
import static io.parley.gateway.BadInputFixture.SEND;
import static io.parley.testing.ApiAssertions.assertBridgeError;
import static io.parley.testing.ApiAssertions.bridgeRefused;
import static io.parley.testing.Async.sequence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input over the bridge: each frame is refused with its stable code (protocol errors for frames the
 * bridge cannot read, err replies for requests the services refuse), without closing the connection and
 * without touching stored data.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class BridgeBadInputTest {

  @RegisterExtension
  final BadInputFixture in = new BadInputFixture();

  @Test
  void bridge_protocol_errors_are_answered_and_the_socket_stays_usable(VertxTestContext ctx) {
    JsonObject auth = new JsonObject().put("authorization", "Bearer " + in.token());
    JsonObject message = new JsonObject().put("conversationId", in.roomId()).put("clientMsgId", "proto-1").put("text", "must not be stored");
    List<JsonObject> badFrames = List.of(
      // frame, expected protocol error
      new JsonObject().put("raw", "this is {not json").put("error", "invalid_json"),
      new JsonObject().put("raw", "[1,2,3]").put("error", "invalid_json"),
      new JsonObject().put("raw", "").put("error", "invalid_json"),
      new JsonObject().put("frame", new JsonObject().put("address", HISTORY).put("body", new JsonObject())
        .put("replyAddress", "r-1").put("headers", auth)).put("error", "missing_type"),
      new JsonObject().put("frame", new JsonObject().put("type", 7).put("address", HISTORY)).put("error", "missing_type"),
      new JsonObject().put("frame", new JsonObject().put("type", "send").put("body", new JsonObject())
        .put("replyAddress", "r-2").put("headers", auth)).put("error", "missing_address"),
      new JsonObject().put("frame", new JsonObject().put("type", "shout").put("address", SEND)).put("error", "invalid_type"),
      new JsonObject().put("frame", new JsonObject().put("type", "publish").put("address", SEND).put("body", message)
        .put("headers", auth)).put("error", "access_denied"),
      new JsonObject().put("frame", new JsonObject().put("type", "send").put("address", SEND).put("body", message)
        .put("headers", auth)).put("error", "reply_address_required"),
      new JsonObject().put("frame", new JsonObject().put("type", "send").put("address", SEND).put("body", message)
        .put("replyAddress", "").put("headers", auth)).put("error", "reply_address_required"));

    in.node().online(in.alice()).compose(client -> {
      Future<Void> chain = Future.succeededFuture();
      for (JsonObject bad : badFrames) {
        chain = chain.compose(v -> {
          int before = client.protocolErrors().size();
          if (bad.containsKey("raw")) {
            client.sendRaw(bad.getString("raw"));
          } else {
            client.write(bad.getJsonObject("frame"));
          }
          return client.awaitProtocolErrors(before + 1).map(errors -> errors.get(before)).compose(error ->
            // A valid request on the same socket still works after every bad frame.
            client.request(HISTORY, new JsonObject().put("conversationId", in.roomId()).put("after", 0)).map(history -> {
              ctx.verify(() -> {
                assertEquals("err", error.getString("type"));
                assertEquals(bad.getString("error"), error.getString("body"), "answer to " + bad.encode());
                assertEquals(before + 1, client.protocolErrors().size(), "one error per bad frame");
                assertFalse(client.isClosed(), "the socket stays open after " + bad.encode());
                assertEquals(in.baseline().getJsonArray("messages"), history.getJsonArray("messages"));
              });
              return null;
            }));
        });
      }
      return chain;
    }).compose(v -> in.assertIntact()).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void bridge_refuses_addresses_that_are_not_open_to_clients(VertxTestContext ctx) {
    in.node().online(in.alice()).compose(client -> {
      JsonObject credentials = new JsonObject().put("tenant", "acme").put("username", "alice").put("password", Rest.PASSWORD);
      return sequence(
          bridgeFailure(() -> client.request("parley.rooms.membership", new JsonObject().put("conversationId", in.roomId())), 104, "FORBIDDEN"),
          bridgeFailure(() -> client.request("parley.auth.login", credentials), 104, "FORBIDDEN"),
          bridgeFailure(() -> client.request("parley.auth.register", credentials.copy().put("username", "mallory")), 104, "FORBIDDEN"),
          bridgeFailure(() -> client.request("parley.rooms.positions", new JsonObject()), 104, "FORBIDDEN"),
          bridgeFailure(() -> client.request("parley.rooms.welcome", new JsonObject()), 104, "FORBIDDEN"),
          bridgeFailure(() -> client.request(BridgeClient.inboxOf(in.alice()), new JsonObject().put("type", "message")), 104, "FORBIDDEN"))
        .compose(v -> client.request(HISTORY, new JsonObject().put("conversationId", in.roomId())))
        .map(history -> {
          ctx.verify(() -> assertFalse(client.isClosed()));
          return history;
        });
    }).compose(v -> in.assertIntact()).onComplete(ctx.succeedingThenComplete());
  }

  /** PROTOCOL.md: register your own inbox once per connection; a second register is FORBIDDEN. */
  @Test
  void a_connection_registers_once(VertxTestContext ctx) {
    in.node().online(in.alice())
      .compose(client -> bridgeRefused(client.register(in.alice()), 104, "FORBIDDEN")
        .compose(v -> client.request(HISTORY, new JsonObject().put("conversationId", in.roomId())))
        .map(history -> {
          ctx.verify(() -> assertFalse(client.isClosed(), "the connection stays registered and usable"));
          return history;
        }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void bridge_request_bodies_are_validated(VertxTestContext ctx) {
    JsonObject auth = new JsonObject().put("authorization", "Bearer " + in.token());
    // Frames written as is, with their own reply addresses: the answers are read off the socket.
    in.node().bridge().compose(raw -> {
      Function<Object, JsonObject> sendWithBody = body -> new JsonObject().put("type", "send").put("address", SEND)
        .put("body", body).put("replyAddress", "reply-" + UUID.randomUUID()).put("headers", auth);
      JsonObject asString = sendWithBody.apply("{\"conversationId\":\"" + in.roomId() + "\",\"clientMsgId\":\"s-1\",\"text\":\"hi\"}");
      JsonObject asArray = sendWithBody.apply(new JsonArray().add(in.roomId()));
      JsonObject withoutBody = sendWithBody.apply(null);
      JsonObject valid = sendWithBody.apply(new JsonObject().put("conversationId", in.scratchId()).put("clientMsgId", "ok-1").put("text", "fine"));
      return raw.exchange(asString).compose(stringReply ->
        raw.exchange(asArray).compose(arrayReply ->
          raw.exchange(withoutBody).compose(missingReply ->
            raw.exchange(valid).map(validReply -> {
              ctx.verify(() -> {
                for (JsonObject reply : List.of(stringReply, arrayReply, missingReply)) {
                  assertBridgeError(reply, 101, "VALIDATION_FAILED");
                }
                assertEquals("rec", validReply.getString("type"), "the socket still serves: " + validReply.encode());
                assertEquals(1L, validReply.getJsonObject("body").getLong("seq"));
                assertTrue(raw.protocolErrors().isEmpty(), "answered on the reply address, not as protocol errors");
              });
              return validReply;
            }))));
    }).compose(v -> in.node().online(in.alice())).compose(client -> {
      return sequence(
        bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", in.roomId()).put("clientMsgId", "b-1")), 101, "VALIDATION_FAILED"),
        bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", in.roomId()).put("clientMsgId", "b-1").put("text", 5)), 101, "VALIDATION_FAILED"),
        bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", in.roomId()).put("clientMsgId", "with space").put("text", "x")), 101, "VALIDATION_FAILED"),
        bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", in.roomId()).put("clientMsgId", "y".repeat(65)).put("text", "x")), 101, "VALIDATION_FAILED"),
        bridgeFailure(() -> client.request(HISTORY, new JsonObject().put("conversationId", in.roomId()).put("limit", 0)), 101, "VALIDATION_FAILED"),
        bridgeFailure(() -> client.request(HISTORY, new JsonObject().put("conversationId", in.roomId()).put("after", "abc")), 101, "VALIDATION_FAILED"),
        bridgeFailure(() -> client.request("parley.delivery.sync", new JsonObject().put("positions", "all")), 101, "VALIDATION_FAILED"),
        bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", UUID.randomUUID().toString()).put("clientMsgId", "b-2").put("text", "x")), 300, "CONVERSATION_NOT_FOUND"));
    }).compose(v -> in.assertIntact()).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void bridge_oversized_text_is_too_large(VertxTestContext ctx) {
    in.node().online(in.alice()).compose(client -> {
      return sequence(
          bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", in.roomId()).put("clientMsgId", "o-1")
            .put("text", "a".repeat(MESSAGE_MAX_BYTES + 1))), 102, "PAYLOAD_TOO_LARGE"),
          bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", in.roomId()).put("clientMsgId", "o-2")
            .put("text", "é".repeat(MESSAGE_MAX_BYTES / 2 + 1))), 102, "PAYLOAD_TOO_LARGE"),
          bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", in.roomId()).put("clientMsgId", "o-3")
            .put("text", "😀".repeat(MESSAGE_MAX_BYTES / 4 + 1))), 102, "PAYLOAD_TOO_LARGE"))
        .compose(v -> client.request(SEND, new JsonObject().put("conversationId", in.scratchId()).put("clientMsgId", "o-4")
          .put("text", "é".repeat(MESSAGE_MAX_BYTES / 2))))
        .map(ack -> {
          ctx.verify(() -> {
            assertEquals(1L, ack.getLong("seq"), "exactly at the limit is accepted");
            assertFalse(client.isClosed());
          });
          return ack;
        });
    }).compose(v -> in.assertIntact()).onComplete(ctx.succeedingThenComplete());
  }

  private static Supplier<Future<Void>> bridgeFailure(Supplier<Future<JsonObject>> call, int failureCode, String code) {
    return () -> bridgeRefused(call.get(), failureCode, code);
  }
}
