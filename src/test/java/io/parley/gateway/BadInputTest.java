package io.parley.gateway;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.parley.testing.BridgeClient;
import io.parley.testing.Rest;
import io.parley.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input over REST and the bridge: each is refused with its stable code, in the documented error
 * shape, without leaking internals, without closing the connection, and without touching stored data.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class BadInputTest {

  private static final String SEND = "parley.delivery.send";
  private static final String HISTORY = "parley.delivery.history";
  private static final int MESSAGE_MAX_BYTES = 16384;
  private static final int MAX_BODY_BYTES = 65536;

  private TestNode node;
  private Rest rest;
  private JsonObject alice;
  private String token;
  private String roomId;
  /** A second room for sends that are meant to succeed, so the first keeps exactly its 3 messages. */
  private String scratchId;
  private JsonObject baseline;
  private final List<BridgeClient> clients = new ArrayList<>();
  private final List<RawBridge> rawSockets = new ArrayList<>();
  private ListAppender<ILoggingEvent> capture;
  private Level parleyLevel;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    TestNode.start(vertx).compose(started -> {
      node = started;
      rest = new Rest(vertx, node.port());
      return rest.user("acme", "alice");
    }).compose(session -> {
      alice = session;
      token = session.getString("accessToken");
      return Future.all(
        rest.createConversation(token, new JsonObject().put("type", "room").put("name", "kept")),
        rest.createConversation(token, new JsonObject().put("type", "room").put("name", "scratch")));
    }).compose(rooms -> {
      roomId = rooms.<JsonObject>resultAt(0).getString("id");
      scratchId = rooms.<JsonObject>resultAt(1).getString("id");
      return rest.send(token, roomId, "keep-1", "first")
        .compose(v -> rest.send(token, roomId, "keep-2", "second: ünïcödé €"))
        .compose(v -> rest.send(token, roomId, "keep-3", "third"))
        .compose(v -> rest.history(token, roomId, "after=0"));
    }).onComplete(ctx.succeeding(history -> {
      baseline = history;
      ctx.verify(() -> assertEquals(3, history.getJsonArray("messages").size()));
      ctx.completeNow();
    }));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    detachCapture();
    clients.forEach(BridgeClient::close);
    rawSockets.forEach(RawBridge::close);
    if (rest != null) {
      rest.close();
    }
    if (node == null) {
      ctx.completeNow();
      return;
    }
    node.stop().onComplete(ctx.succeedingThenComplete());
  }

  // ---------------------------------------------------------------- REST

  @Test
  void rest_bodies_that_are_not_a_json_object_are_bad_json(VertxTestContext ctx) {
    String path = messagesPath(roomId);
    sequence(
        check(() -> rest.raw(HttpMethod.POST, path, token, "{\"clientMsgId\":\"x-1\",\"text\":"), 400, "BAD_JSON"),
        check(() -> rest.raw(HttpMethod.POST, path, token, "{clientMsgId: x-1, text: 'single quotes'}"), 400, "BAD_JSON"),
        check(() -> rest.raw(HttpMethod.POST, path, token, "[{\"clientMsgId\":\"x-1\",\"text\":\"in an array\"}]"), 400, "BAD_JSON"),
        check(() -> rest.raw(HttpMethod.POST, path, token, ""), 400, "BAD_JSON"),
        check(() -> rest.raw(HttpMethod.POST, path, token, "   "), 400, "BAD_JSON"),
        check(() -> rest.raw(HttpMethod.POST, path, token, "null"), 400, "BAD_JSON"),
        check(() -> rest.raw(HttpMethod.POST, path, token, "\"a string\""), 400, "BAD_JSON"),
        check(() -> rest.raw(HttpMethod.POST, path, token, "42"), 400, "BAD_JSON"),
        check(() -> rest.raw(HttpMethod.POST, path, token, "{\"clientMsgId\":\"x-1\",\"text\":\"hi\"} trailing"), 400, "BAD_JSON"),
        // Anonymous routes parse the same way.
        check(() -> rest.raw(HttpMethod.POST, "/auth/login", null, "{\"tenant\":\"acme\""), 400, "BAD_JSON"),
        check(() -> rest.raw(HttpMethod.POST, "/auth/register", null, "[]"), 400, "BAD_JSON"))
      .compose(v -> assertIntact(ctx))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rest_missing_or_mistyped_fields_fail_validation(VertxTestContext ctx) {
    String path = messagesPath(roomId);
    sequence(
        checkPost(path, new JsonObject().put("clientMsgId", "v-1"), 400, "VALIDATION_FAILED"),
        checkPost(path, new JsonObject().put("text", "no id"), 400, "VALIDATION_FAILED"),
        checkPost(path, new JsonObject().put("clientMsgId", "v-1").put("text", 42), 400, "VALIDATION_FAILED"),
        checkPost(path, new JsonObject().put("clientMsgId", "v-1").put("text", new JsonObject().put("a", 1)), 400, "VALIDATION_FAILED"),
        checkPost(path, new JsonObject().put("clientMsgId", "v-1").put("text", ""), 400, "VALIDATION_FAILED"),
        checkPost(path, new JsonObject().put("clientMsgId", "v-1").put("text", "   "), 400, "VALIDATION_FAILED"),
        checkPost(path, new JsonObject().put("clientMsgId", "v-1").putNull("text"), 400, "VALIDATION_FAILED"),
        checkPost(path, new JsonObject().put("clientMsgId", 17).put("text", "numeric id"), 400, "VALIDATION_FAILED"),
        checkPost(path, new JsonObject().put("clientMsgId", "has spaces").put("text", "hi"), 400, "VALIDATION_FAILED"),
        checkPost(path, new JsonObject().put("clientMsgId", "a/b").put("text", "hi"), 400, "VALIDATION_FAILED"),
        checkPost(path, new JsonObject().put("clientMsgId", "x".repeat(65)).put("text", "hi"), 400, "VALIDATION_FAILED"),
        checkPost(path, new JsonObject().put("clientMsgId", "").put("text", "hi"), 400, "VALIDATION_FAILED"))
      // The boundary itself is fine: 64 characters of the allowed alphabet.
      .compose(v -> rest.send(token, scratchId, "A-z0.9_:" + "x".repeat(56), "64-char id"))
      .compose(v -> assertIntact(ctx))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rest_unknown_conversation_is_not_found(VertxTestContext ctx) {
    String unknown = UUID.randomUUID().toString();
    sequence(
        checkPost(messagesPath(unknown), new JsonObject().put("clientMsgId", "n-1").put("text", "hi"), 404, "CONVERSATION_NOT_FOUND"),
        check(() -> rest.get(messagesPath(unknown) + "?after=0", token), 404, "CONVERSATION_NOT_FOUND"),
        check(() -> rest.get("/conversations/" + unknown, token), 404, "CONVERSATION_NOT_FOUND"))
      .compose(v -> assertIntact(ctx))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rest_text_over_the_message_limit_is_too_large_counting_utf8_bytes(VertxTestContext ctx) {
    String path = messagesPath(roomId);
    String twoByte = "é".repeat(MESSAGE_MAX_BYTES / 2 + 1);      // 8193 chars, 16386 bytes
    String threeByte = "€".repeat(MESSAGE_MAX_BYTES / 3 + 1);    // 5462 chars, 16386 bytes
    String fourByte = "😀".repeat(MESSAGE_MAX_BYTES / 4 + 1);    // 8194 UTF-16 units, 16388 bytes
    String fitsInBytes = "é".repeat(MESSAGE_MAX_BYTES / 2);       // 16384 bytes exactly
    ctx.verify(() -> {
      assertTrue(twoByte.length() < MESSAGE_MAX_BYTES && fourByte.length() < MESSAGE_MAX_BYTES, "fewer chars than the limit");
      assertEquals(MESSAGE_MAX_BYTES, fitsInBytes.getBytes(StandardCharsets.UTF_8).length);
    });
    sequence(
        checkPost(path, new JsonObject().put("clientMsgId", "big-1").put("text", "a".repeat(MESSAGE_MAX_BYTES + 1)), 413, "PAYLOAD_TOO_LARGE"),
        checkPost(path, new JsonObject().put("clientMsgId", "big-2").put("text", twoByte), 413, "PAYLOAD_TOO_LARGE"),
        checkPost(path, new JsonObject().put("clientMsgId", "big-3").put("text", threeByte), 413, "PAYLOAD_TOO_LARGE"),
        checkPost(path, new JsonObject().put("clientMsgId", "big-4").put("text", fourByte), 413, "PAYLOAD_TOO_LARGE"))
      .compose(v -> assertIntact(ctx))
      // Exactly at the limit is accepted and stored unchanged, in bytes and in chars.
      .compose(v -> rest.send(token, scratchId, "edge-1", "a".repeat(MESSAGE_MAX_BYTES)))
      .compose(v -> rest.send(token, scratchId, "edge-2", fitsInBytes))
      .compose(v -> rest.history(token, scratchId, "after=0"))
      .map(scratch -> {
        ctx.verify(() -> {
          JsonArray messages = scratch.getJsonArray("messages");
          assertEquals(2, messages.size());
          assertEquals("a".repeat(MESSAGE_MAX_BYTES), messages.getJsonObject(0).getString("text"));
          assertEquals(fitsInBytes, messages.getJsonObject(1).getString("text"));
        });
        return scratch;
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rest_body_over_the_http_limit_is_too_large(VertxTestContext ctx) {
    // The text itself is small: only the body limit can refuse this.
    JsonObject padded = new JsonObject().put("clientMsgId", "pad-1").put("text", "small")
      .put("padding", "p".repeat(MAX_BODY_BYTES + 1024));
    sequence(
        check(() -> rest.raw(HttpMethod.POST, messagesPath(roomId), token, padded.encode()), 413, "PAYLOAD_TOO_LARGE"),
        check(() -> rest.raw(HttpMethod.POST, "/auth/login", null,
          new JsonObject().put("tenant", "acme").put("username", "alice").put("password", "p".repeat(MAX_BODY_BYTES + 1)).encode()),
          413, "PAYLOAD_TOO_LARGE"))
      .compose(v -> assertIntact(ctx))
      // The server still answers normally afterwards.
      .compose(v -> rest.history(token, roomId, "after=0"))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rest_history_query_parameters_are_validated(VertxTestContext ctx) {
    String path = messagesPath(roomId);
    sequence(
        check(() -> rest.get(path + "?after=abc", token), 400, "VALIDATION_FAILED"),
        check(() -> rest.get(path + "?before=xyz", token), 400, "VALIDATION_FAILED"),
        check(() -> rest.get(path + "?limit=ten", token), 400, "VALIDATION_FAILED"),
        check(() -> rest.get(path + "?after=1.5", token), 400, "VALIDATION_FAILED"),
        check(() -> rest.get(path + "?limit=0", token), 400, "VALIDATION_FAILED"),
        check(() -> rest.get(path + "?limit=-5", token), 400, "VALIDATION_FAILED"),
        check(() -> rest.get(path + "?limit=201", token), 400, "VALIDATION_FAILED"),
        check(() -> rest.get(path + "?limit=99999999999999999999", token), 400, "VALIDATION_FAILED"),
        check(() -> rest.get(path + "?after=-1", token), 400, "VALIDATION_FAILED"),
        check(() -> rest.get(path + "?before=0", token), 400, "VALIDATION_FAILED"))
      // page_max itself is allowed.
      .compose(v -> rest.history(token, roomId, "after=0&limit=200"))
      .compose(v -> assertIntact(ctx))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rest_unknown_routes_answer_json_not_found(VertxTestContext ctx) {
    sequence(
        check(() -> rest.get("/no-such-thing", token), 404, "NOT_FOUND"),
        check(() -> rest.call(HttpMethod.POST, "/conversations/" + roomId + "/no-such-action", token, new JsonObject()), 404, "NOT_FOUND"),
        check(() -> rest.call(HttpMethod.DELETE, "/no/such/route", token, null), 404, "NOT_FOUND"),
        // Without a token the API does not reveal what exists, but still answers in its JSON shape.
        () -> rest.get("/no-such-thing", null).compose(response -> {
          try {
            assertTrue(response.statusCode() == 401 || response.statusCode() == 404, "status " + response.statusCode());
            assertErrorShape(response);
            return Future.<Void>succeededFuture();
          } catch (AssertionError e) {
            return Future.failedFuture(e);
          }
        }))
      .compose(v -> assertIntact(ctx))
      .onComplete(ctx.succeedingThenComplete());
  }

  // ---------------------------------------------------------------- bridge

  @Test
  void bridge_protocol_errors_are_answered_and_the_socket_stays_usable(Vertx vertx, VertxTestContext ctx) {
    JsonObject auth = new JsonObject().put("authorization", "Bearer " + token);
    JsonObject message = new JsonObject().put("conversationId", roomId).put("clientMsgId", "proto-1").put("text", "must not be stored");
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

    BridgeClient.online(vertx, node.port(), alice).compose(client -> {
      clients.add(client);
      Future<Void> chain = Future.succeededFuture();
      for (JsonObject bad : badFrames) {
        chain = chain.compose(v -> {
          int before = client.protocolErrors().size();
          if (bad.containsKey("raw")) {
            client.sendRaw(bad.getString("raw"));
          } else {
            client.write(bad.getJsonObject("frame"));
          }
          return protocolError(vertx, client, before).compose(error ->
            // A valid request on the same socket still works after every bad frame.
            client.request(HISTORY, new JsonObject().put("conversationId", roomId).put("after", 0)).map(history -> {
              ctx.verify(() -> {
                assertEquals("err", error.getString("type"));
                assertEquals(bad.getString("error"), error.getString("body"), "answer to " + bad.encode());
                assertEquals(before + 1, client.protocolErrors().size(), "one error per bad frame");
                assertFalse(client.isClosed(), "the socket stays open after " + bad.encode());
                assertEquals(baseline.getJsonArray("messages"), history.getJsonArray("messages"));
              });
              return null;
            }));
        });
      }
      return chain;
    }).compose(v -> assertIntact(ctx)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void bridge_refuses_addresses_that_are_not_open_to_clients(Vertx vertx, VertxTestContext ctx) {
    BridgeClient.online(vertx, node.port(), alice).compose(client -> {
      clients.add(client);
      JsonObject credentials = new JsonObject().put("tenant", "acme").put("username", "alice").put("password", Rest.PASSWORD);
      return sequence(
          bridgeFailure(() -> client.request("parley.rooms.membership", new JsonObject().put("conversationId", roomId)), 104, "FORBIDDEN"),
          bridgeFailure(() -> client.request("parley.auth.login", credentials), 104, "FORBIDDEN"),
          bridgeFailure(() -> client.request("parley.auth.register", credentials.copy().put("username", "mallory")), 104, "FORBIDDEN"),
          bridgeFailure(() -> client.request("parley.rooms.positions", new JsonObject()), 104, "FORBIDDEN"),
          bridgeFailure(() -> client.request(BridgeClient.inboxOf(alice), new JsonObject().put("type", "message")), 104, "FORBIDDEN"))
        .compose(v -> client.request(HISTORY, new JsonObject().put("conversationId", roomId)))
        .map(history -> {
          ctx.verify(() -> assertFalse(client.isClosed()));
          return history;
        });
    }).compose(v -> assertIntact(ctx)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void bridge_request_bodies_are_validated(Vertx vertx, VertxTestContext ctx) {
    JsonObject auth = new JsonObject().put("authorization", "Bearer " + token);
    RawBridge.connect(vertx, node.port()).compose(raw -> {
      rawSockets.add(raw);
      Function<Object, JsonObject> sendWithBody = body -> new JsonObject().put("type", "send").put("address", SEND)
        .put("body", body).put("replyAddress", "reply-" + UUID.randomUUID()).put("headers", auth);
      JsonObject asString = sendWithBody.apply("{\"conversationId\":\"" + roomId + "\",\"clientMsgId\":\"s-1\",\"text\":\"hi\"}");
      JsonObject asArray = sendWithBody.apply(new JsonArray().add(roomId));
      JsonObject withoutBody = sendWithBody.apply(null);
      JsonObject valid = sendWithBody.apply(new JsonObject().put("conversationId", scratchId).put("clientMsgId", "ok-1").put("text", "fine"));
      return raw.request(vertx, asString).compose(stringReply ->
        raw.request(vertx, asArray).compose(arrayReply ->
          raw.request(vertx, withoutBody).compose(missingReply ->
            raw.request(vertx, valid).map(validReply -> {
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
    }).compose(v -> BridgeClient.online(vertx, node.port(), alice)).compose(client -> {
      clients.add(client);
      return sequence(
        bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", roomId).put("clientMsgId", "b-1")), 101, "VALIDATION_FAILED"),
        bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", roomId).put("clientMsgId", "b-1").put("text", 5)), 101, "VALIDATION_FAILED"),
        bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", roomId).put("clientMsgId", "with space").put("text", "x")), 101, "VALIDATION_FAILED"),
        bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", roomId).put("clientMsgId", "y".repeat(65)).put("text", "x")), 101, "VALIDATION_FAILED"),
        bridgeFailure(() -> client.request(HISTORY, new JsonObject().put("conversationId", roomId).put("limit", 0)), 101, "VALIDATION_FAILED"),
        bridgeFailure(() -> client.request(HISTORY, new JsonObject().put("conversationId", roomId).put("after", "abc")), 101, "VALIDATION_FAILED"),
        bridgeFailure(() -> client.request("parley.delivery.sync", new JsonObject().put("positions", "all")), 101, "VALIDATION_FAILED"),
        bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", UUID.randomUUID().toString()).put("clientMsgId", "b-2").put("text", "x")), 300, "CONVERSATION_NOT_FOUND"));
    }).compose(v -> assertIntact(ctx)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void bridge_oversized_text_is_too_large(Vertx vertx, VertxTestContext ctx) {
    BridgeClient.online(vertx, node.port(), alice).compose(client -> {
      clients.add(client);
      return sequence(
          bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", roomId).put("clientMsgId", "o-1")
            .put("text", "a".repeat(MESSAGE_MAX_BYTES + 1))), 102, "PAYLOAD_TOO_LARGE"),
          bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", roomId).put("clientMsgId", "o-2")
            .put("text", "é".repeat(MESSAGE_MAX_BYTES / 2 + 1))), 102, "PAYLOAD_TOO_LARGE"),
          bridgeFailure(() -> client.request(SEND, new JsonObject().put("conversationId", roomId).put("clientMsgId", "o-3")
            .put("text", "😀".repeat(MESSAGE_MAX_BYTES / 4 + 1))), 102, "PAYLOAD_TOO_LARGE"))
        .compose(v -> client.request(SEND, new JsonObject().put("conversationId", scratchId).put("clientMsgId", "o-4")
          .put("text", "é".repeat(MESSAGE_MAX_BYTES / 2))))
        .map(ack -> {
          ctx.verify(() -> {
            assertEquals(1L, ack.getLong("seq"), "exactly at the limit is accepted");
            assertFalse(client.isClosed());
          });
          return ack;
        });
    }).compose(v -> assertIntact(ctx)).onComplete(ctx.succeedingThenComplete());
  }

  // ---------------------------------------------------------------- logs

  @Test
  void no_password_or_token_reaches_the_logs(Vertx vertx, VertxTestContext ctx) {
    attachCapture();
    String password = "Corr3ct-" + UUID.randomUUID();
    String wrongPassword = "Wr0ng-" + UUID.randomUUID();
    JsonObject credentials = new JsonObject().put("tenant", "acme").put("username", "carol").put("password", password);
    List<String> secrets = new CopyOnWriteArrayList<>(List.of(password, wrongPassword));
    List<HttpResponse<Buffer>> responses = new CopyOnWriteArrayList<>();
    Function<HttpResponse<Buffer>, HttpResponse<Buffer>> keep = response -> {
      responses.add(response);
      return response;
    };

    rest.expect(201, "/auth/register", null, credentials)
      .compose(v -> rest.post("/auth/login", null, credentials.copy().put("password", wrongPassword)).map(keep))
      .compose(v -> rest.post("/auth/login", null, credentials.copy().put("username", "nobody")).map(keep))
      .compose(v -> rest.raw(HttpMethod.POST, "/auth/login", null,
        "{\"tenant\":\"acme\",\"username\":\"carol\",\"password\":\"" + password + "\"").map(keep))
      .compose(v -> rest.raw(HttpMethod.POST, "/auth/register", null,
        "{\"tenant\":\"acme\",\"username\":\"carol\",\"password\":\"" + password + "\"}").map(keep))
      .compose(v -> rest.expect(200, "/auth/login", null, credentials))
      .compose(login -> {
        String access1 = login.getString("accessToken");
        String refresh1 = login.getString("refreshToken");
        secrets.addAll(List.of(access1, refresh1, signature(access1)));
        return rest.expect(200, "/auth/refresh", null, new JsonObject().put("refreshToken", refresh1)).compose(refreshed -> {
          String access2 = refreshed.getString("accessToken");
          String refresh2 = refreshed.getString("refreshToken");
          secrets.addAll(List.of(access2, refresh2, signature(access2)));
          String tampered = tamper(access2);
          return sequence(
              // Bad tokens over REST.
              () -> rest.get("/me", refresh2).map(keep).mapEmpty(),
              () -> rest.get("/me", tampered).map(keep).mapEmpty(),
              () -> rest.get("/me", "not-a-jwt-" + password).map(keep).mapEmpty(),
              () -> rest.post("/auth/refresh", null, new JsonObject().put("refreshToken", access2)).map(keep).mapEmpty(),
              () -> rest.post("/auth/refresh", null, new JsonObject().put("refreshToken", password)).map(keep).mapEmpty(),
              // Bad tokens and bad frames over the bridge.
              () -> refusedRegistration(vertx, refresh2, refreshed),
              () -> refusedRegistration(vertx, tampered, refreshed),
              () -> BridgeClient.online(vertx, node.port(), refreshed).compose(client -> {
                clients.add(client);
                int before = client.protocolErrors().size();
                client.sendRaw("{\"type\":\"send\",\"address\":\"parley.auth.login\",\"headers\":{\"authorization\":\"Bearer "
                  + access2 + "\"},\"body\":{\"password\":\"" + password + "\"}");
                client.write(new JsonObject().put("type", "publish").put("address", "parley.auth.login")
                  .put("body", credentials).put("headers", new JsonObject().put("authorization", "Bearer " + access2)));
                client.write(new JsonObject().put("type", "send").put("address", "parley.auth.login")
                  .put("body", credentials).put("headers", new JsonObject().put("authorization", "Bearer " + access2)));
                client.write(new JsonObject().put("type", "send").put("address", SEND).put("replyAddress", "r-" + password)
                  .put("body", password).put("headers", new JsonObject().put("authorization", "Bearer " + access2)));
                return protocolErrors(vertx, client, before, 3)
                  .compose(v -> client.request("parley.auth.login", credentials).recover(err -> Future.succeededFuture()))
                  .compose(v -> client.request("parley.auth.refresh", new JsonObject().put("refreshToken", refresh2))
                    .recover(err -> Future.succeededFuture()))
                  .compose(v -> client.token(tampered).request(HISTORY, new JsonObject().put("conversationId", roomId))
                    .recover(err -> Future.succeededFuture()))
                  .compose(v -> client.token(refresh2).request(HISTORY, new JsonObject().put("conversationId", roomId))
                    .recover(err -> Future.succeededFuture()))
                  .mapEmpty();
              }),
              // A refresh token replayed after rotation revokes its family, then logout.
              () -> rest.post("/auth/refresh", null, new JsonObject().put("refreshToken", refresh1)).map(keep).mapEmpty(),
              () -> rest.expect(204, "/auth/logout", null, new JsonObject().put("refreshToken", refresh2)).mapEmpty());
        });
      })
      // Logging is synchronous, but let stragglers on other event loops land.
      .compose(v -> vertx.timer(300))
      .onComplete(ctx.succeeding(v -> {
        List<ILoggingEvent> events = detachCapture();
        ctx.verify(() -> {
          assertTrue(events.stream().anyMatch(e -> e.getFormattedMessage().contains("registered user")),
            "the capture sees the node's logs: " + events.size() + " events");
          assertTrue(events.stream().anyMatch(e -> e.getFormattedMessage().startsWith("refused bridge frame")),
            "the capture sees the refused bridge frames, which are logged once each");
          assertTrue(events.stream().anyMatch(e -> e.getFormattedMessage().startsWith("refused POST")),
            "the capture sees the refused REST requests, which are logged once each");
          for (ILoggingEvent event : events) {
            String text = rendered(event);
            for (String secret : secrets) {
              assertFalse(text.contains(secret), "a secret reached the log (" + event.getLoggerName() + "): " + text);
            }
          }
          assertTrue(responses.size() >= 10);
          for (HttpResponse<Buffer> response : responses) {
            assertTrue(response.statusCode() >= 400, "refused: " + response.statusCode() + " " + response.bodyAsString());
            assertErrorShape(response);
            for (String secret : secrets) {
              assertFalse(response.bodyAsString().contains(secret), "an error response echoes a secret: " + response.bodyAsString());
            }
          }
        });
        ctx.completeNow();
      }));
  }

  // ---------------------------------------------------------------- helpers

  private static String messagesPath(String conversationId) {
    return "/conversations/" + conversationId + "/messages";
  }

  /** The first conversation still holds exactly its 3 original messages. */
  private Future<Void> assertIntact(VertxTestContext ctx) {
    return rest.history(token, roomId, "after=0").map(history -> {
      ctx.verify(() -> {
        assertEquals(baseline.getJsonArray("messages"), history.getJsonArray("messages"), "stored messages changed");
        assertFalse(history.getBoolean("hasMore"));
      });
      return null;
    });
  }

  /** Runs steps one after another, so each failure is reported for the step that caused it. */
  @SafeVarargs
  private static Future<Void> sequence(java.util.function.Supplier<Future<Void>>... steps) {
    Future<Void> chain = Future.succeededFuture();
    for (java.util.function.Supplier<Future<Void>> step : steps) {
      chain = chain.compose(v -> step.get());
    }
    return chain;
  }

  private static java.util.function.Supplier<Future<Void>> check(java.util.function.Supplier<Future<HttpResponse<Buffer>>> call,
                                                                 int status, String code) {
    return () -> call.get().compose(response -> {
      try {
        assertError(response, status, code);
        return Future.succeededFuture();
      } catch (AssertionError e) {
        return Future.failedFuture(e);
      }
    });
  }

  private java.util.function.Supplier<Future<Void>> checkPost(String path, JsonObject body, int status, String code) {
    return check(() -> rest.post(path, token, body), status, code);
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String code) {
    assertEquals(status, response.statusCode(), "status of " + response.bodyAsString());
    JsonObject error = assertErrorShape(response);
    assertEquals(code, error.getString("code"), response.bodyAsString());
  }

  /** {"error":{"code","message"}} as application/json, with no stack trace or exception name in it. */
  private static JsonObject assertErrorShape(HttpResponse<Buffer> response) {
    String contentType = response.getHeader("content-type");
    assertNotNull(contentType, "error without content type: " + response.bodyAsString());
    assertTrue(contentType.startsWith("application/json"), "content type " + contentType);
    String text = response.bodyAsString();
    assertNotNull(text, "error without body");
    assertFalse(text.contains("Exception"), "leaks an exception: " + text);
    assertFalse(text.contains("\tat ") || text.contains("\\tat "), "leaks a stack trace: " + text);
    JsonObject body = new JsonObject(text);
    assertEquals(Set.of("error"), body.fieldNames(), text);
    JsonObject error = body.getJsonObject("error");
    assertEquals(Set.of("code", "message"), error.fieldNames(), text);
    assertTrue(error.getValue("code") instanceof String code && code.matches("[A-Z_]+"), text);
    assertTrue(error.getValue("message") instanceof String message && !message.isBlank(), text);
    return error;
  }

  private static java.util.function.Supplier<Future<Void>> bridgeFailure(java.util.function.Supplier<Future<JsonObject>> call,
                                                                         int failureCode, String code) {
    return () -> call.get().transform(ar -> {
      if (ar.succeeded()) {
        return Future.failedFuture(new AssertionError("expected " + code + " but got a reply: " + ar.result()));
      }
      try {
        BridgeClient.BridgeError error = assertInstanceOf(BridgeClient.BridgeError.class, ar.cause());
        assertEquals(failureCode, error.failureCode(), error.getMessage());
        assertEquals(code, error.code(), error.getMessage());
        assertTrue(error.getMessage().startsWith(code + ": "), "message is CODE: detail: " + error.getMessage());
        assertFalse(error.getMessage().contains("Exception"), error.getMessage());
        return Future.succeededFuture();
      } catch (AssertionError e) {
        return Future.failedFuture(e);
      }
    });
  }

  private static void assertBridgeError(JsonObject frame, int failureCode, String code) {
    assertEquals("err", frame.getString("type"), frame.encode());
    assertEquals(failureCode, frame.getInteger("failureCode"), frame.encode());
    assertTrue(frame.getString("message").startsWith(code + ": "), frame.encode());
  }

  /** The protocol error following the first {@code before} ones. */
  private static Future<JsonObject> protocolError(Vertx vertx, BridgeClient client, int before) {
    return protocolErrors(vertx, client, before, 1).map(errors -> errors.get(errors.size() - 1));
  }

  private static Future<List<JsonObject>> protocolErrors(Vertx vertx, BridgeClient client, int before, int count) {
    return poll(vertx, () -> client.protocolErrors().size() >= before + count,
      () -> client.protocolErrors().subList(before, before + count), "protocol errors on the bridge");
  }

  private static <T> Future<T> poll(Vertx vertx, java.util.function.BooleanSupplier done, java.util.function.Supplier<T> result,
                                    String what) {
    Promise<T> promise = Promise.promise();
    long deadline = System.currentTimeMillis() + 20_000;
    vertx.setPeriodic(10, id -> {
      if (done.getAsBoolean()) {
        vertx.cancelTimer(id);
        promise.tryComplete(result.get());
      } else if (System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        promise.tryFail(new AssertionError("timed out waiting for " + what));
      }
    });
    return promise.future();
  }

  /** Registers an inbox with a token that must be refused; the connection is kept for cleanup. */
  private Future<Void> refusedRegistration(Vertx vertx, String badToken, JsonObject session) {
    return BridgeClient.connect(vertx, node.port()).compose(client -> {
      clients.add(client);
      return client.token(badToken).register(BridgeClient.inboxOf(session)).transform(ar -> ar.succeeded()
        ? Future.failedFuture(new AssertionError("a bad token registered an inbox"))
        : Future.succeededFuture());
    });
  }

  private static String signature(String jwt) {
    return jwt.substring(jwt.lastIndexOf('.') + 1);
  }

  /** The token with one character in the middle of its signature changed (the last one may only hold padding bits). */
  private static String tamper(String jwt) {
    int at = jwt.lastIndexOf('.') + 10;
    char replacement = jwt.charAt(at) == 'A' ? 'B' : 'A';
    return jwt.substring(0, at) + replacement + jwt.substring(at + 1);
  }

  private void attachCapture() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger parley = (Logger) LoggerFactory.getLogger("io.parley");
    capture = new ListAppender<>();
    capture.setContext(root.getLoggerContext());
    capture.start();
    root.addAppender(capture);
    // The product's own loggers at DEBUG too, as an operator would set PARLEY_LOG_LEVEL to investigate.
    parleyLevel = parley.getLevel();
    parley.setLevel(Level.DEBUG);
  }

  private List<ILoggingEvent> detachCapture() {
    if (capture == null) {
      return List.of();
    }
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAppender(capture);
    ((Logger) LoggerFactory.getLogger("io.parley")).setLevel(parleyLevel);
    capture.stop();
    List<ILoggingEvent> events;
    synchronized (capture) {
      events = new ArrayList<>(capture.list);
    }
    capture = null;
    return events;
  }

  private static String rendered(ILoggingEvent event) {
    StringBuilder text = new StringBuilder(String.valueOf(event.getFormattedMessage()));
    IThrowableProxy throwable = event.getThrowableProxy();
    if (throwable != null) {
      text.append('\n').append(ThrowableProxyUtil.asString(throwable));
    }
    if (event.getArgumentArray() != null) {
      for (Object argument : event.getArgumentArray()) {
        text.append('\n').append(argument);
      }
    }
    if (event.getMDCPropertyMap() != null) {
      text.append('\n').append(event.getMDCPropertyMap());
    }
    return text.toString();
  }

  /** The bridge protocol over raw SockJS WebSocket with every frame kept, for replies BridgeClient cannot route. */
  private static final class RawBridge {

    private final WebSocketClient client;
    private final WebSocket socket;
    private final List<JsonObject> frames = new CopyOnWriteArrayList<>();

    private RawBridge(WebSocketClient client, WebSocket socket) {
      this.client = client;
      this.socket = socket;
      socket.textMessageHandler(text -> frames.add(new JsonObject(text)));
      socket.binaryMessageHandler(bytes -> frames.add(bytes.toJsonObject()));
    }

    static Future<RawBridge> connect(Vertx vertx, int port) {
      WebSocketClient client = vertx.createWebSocketClient();
      return client.connect(port, "127.0.0.1", "/eventbus/websocket").map(ws -> new RawBridge(client, ws));
    }

    /** Writes {@code frame} and yields the frame addressed to its replyAddress. */
    Future<JsonObject> request(Vertx vertx, JsonObject frame) {
      String reply = frame.getString("replyAddress");
      socket.writeTextMessage(frame.encode());
      Predicate<JsonObject> answer = f -> reply.equals(f.getString("address"));
      return poll(vertx, () -> frames.stream().anyMatch(answer),
        () -> frames.stream().filter(answer).findFirst().orElseThrow(),
        "a reply to " + frame.encode() + "; frames so far: " + frames);
    }

    List<JsonObject> protocolErrors() {
      return frames.stream().filter(f -> f.getString("address") == null).toList();
    }

    void close() {
      socket.close().compose(v -> client.close());
    }
  }
}
