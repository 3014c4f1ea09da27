package io.parley.gateway;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.concurrent.TimeUnit;

import static io.parley.gateway.BadInputFixture.MAX_BODY_BYTES;
import static io.parley.gateway.BadInputFixture.MESSAGE_MAX_BYTES;
import static io.parley.gateway.BadInputFixture.messagesPath;
import static io.parley.testing.ApiAssertions.assertErrorShape;
import static io.parley.testing.ApiAssertions.refused;
import static io.parley.testing.Async.sequence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input over REST: each is refused with its stable code, in the documented error shape, without
 * leaking internals and without touching stored data. Each test is a table: one request, one answer.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class RestBadInputTest {

  @RegisterExtension
  final BadInputFixture in = new BadInputFixture();

  @Test
  void rest_bodies_that_are_not_a_json_object_are_bad_json(VertxTestContext ctx) {
    String path = messagesPath(in.roomId());
    sequence(
        check(() -> in.rest().raw(HttpMethod.POST, path, in.token(), "{\"clientMsgId\":\"x-1\",\"text\":"), 400, "BAD_JSON"),
        check(() -> in.rest().raw(HttpMethod.POST, path, in.token(), "{clientMsgId: x-1, text: 'single quotes'}"), 400, "BAD_JSON"),
        check(() -> in.rest().raw(HttpMethod.POST, path, in.token(), "[{\"clientMsgId\":\"x-1\",\"text\":\"in an array\"}]"), 400, "BAD_JSON"),
        check(() -> in.rest().raw(HttpMethod.POST, path, in.token(), ""), 400, "BAD_JSON"),
        check(() -> in.rest().raw(HttpMethod.POST, path, in.token(), "   "), 400, "BAD_JSON"),
        check(() -> in.rest().raw(HttpMethod.POST, path, in.token(), "null"), 400, "BAD_JSON"),
        check(() -> in.rest().raw(HttpMethod.POST, path, in.token(), "\"a string\""), 400, "BAD_JSON"),
        check(() -> in.rest().raw(HttpMethod.POST, path, in.token(), "42"), 400, "BAD_JSON"),
        check(() -> in.rest().raw(HttpMethod.POST, path, in.token(), "{\"clientMsgId\":\"x-1\",\"text\":\"hi\"} trailing"), 400, "BAD_JSON"),
        // Anonymous routes parse the same way.
        check(() -> in.rest().raw(HttpMethod.POST, "/auth/login", null, "{\"tenant\":\"acme\""), 400, "BAD_JSON"),
        check(() -> in.rest().raw(HttpMethod.POST, "/auth/register", null, "[]"), 400, "BAD_JSON"))
      .compose(v -> in.assertIntact())
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rest_missing_or_mistyped_fields_fail_validation(VertxTestContext ctx) {
    String path = messagesPath(in.roomId());
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
      .compose(v -> in.rest().send(in.token(), in.scratchId(), "A-z0.9_:" + "x".repeat(56), "64-char id"))
      .compose(v -> in.assertIntact())
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rest_unknown_conversation_is_not_found(VertxTestContext ctx) {
    String unknown = UUID.randomUUID().toString();
    sequence(
        checkPost(messagesPath(unknown), new JsonObject().put("clientMsgId", "n-1").put("text", "hi"), 404, "CONVERSATION_NOT_FOUND"),
        check(() -> in.rest().get(messagesPath(unknown) + "?after=0", in.token()), 404, "CONVERSATION_NOT_FOUND"),
        check(() -> in.rest().get("/conversations/" + unknown, in.token()), 404, "CONVERSATION_NOT_FOUND"))
      .compose(v -> in.assertIntact())
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rest_text_over_the_message_limit_is_too_large_counting_utf8_bytes(VertxTestContext ctx) {
    String path = messagesPath(in.roomId());
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
      .compose(v -> in.assertIntact())
      // Exactly at the limit is accepted and stored unchanged, in bytes and in chars.
      .compose(v -> in.rest().send(in.token(), in.scratchId(), "edge-1", "a".repeat(MESSAGE_MAX_BYTES)))
      .compose(v -> in.rest().send(in.token(), in.scratchId(), "edge-2", fitsInBytes))
      .compose(v -> in.rest().history(in.token(), in.scratchId(), "after=0"))
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
        check(() -> in.rest().raw(HttpMethod.POST, messagesPath(in.roomId()), in.token(), padded.encode()), 413, "PAYLOAD_TOO_LARGE"),
        check(() -> in.rest().raw(HttpMethod.POST, "/auth/login", null,
          new JsonObject().put("tenant", "acme").put("username", "alice").put("password", "p".repeat(MAX_BODY_BYTES + 1)).encode()),
          413, "PAYLOAD_TOO_LARGE"))
      .compose(v -> in.assertIntact())
      // The server still answers normally afterwards.
      .compose(v -> in.rest().history(in.token(), in.roomId(), "after=0"))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rest_history_query_parameters_are_validated(VertxTestContext ctx) {
    String path = messagesPath(in.roomId());
    sequence(
        check(() -> in.rest().get(path + "?after=abc", in.token()), 400, "VALIDATION_FAILED"),
        check(() -> in.rest().get(path + "?before=xyz", in.token()), 400, "VALIDATION_FAILED"),
        check(() -> in.rest().get(path + "?limit=ten", in.token()), 400, "VALIDATION_FAILED"),
        check(() -> in.rest().get(path + "?after=1.5", in.token()), 400, "VALIDATION_FAILED"),
        check(() -> in.rest().get(path + "?limit=0", in.token()), 400, "VALIDATION_FAILED"),
        check(() -> in.rest().get(path + "?limit=-5", in.token()), 400, "VALIDATION_FAILED"),
        check(() -> in.rest().get(path + "?limit=201", in.token()), 400, "VALIDATION_FAILED"),
        check(() -> in.rest().get(path + "?limit=99999999999999999999", in.token()), 400, "VALIDATION_FAILED"),
        check(() -> in.rest().get(path + "?after=-1", in.token()), 400, "VALIDATION_FAILED"),
        check(() -> in.rest().get(path + "?before=0", in.token()), 400, "VALIDATION_FAILED"))
      // page_max itself is allowed.
      .compose(v -> in.rest().history(in.token(), in.roomId(), "after=0&limit=200"))
      .compose(v -> in.assertIntact())
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rest_unknown_routes_answer_json_not_found(VertxTestContext ctx) {
    sequence(
        check(() -> in.rest().get("/no-such-thing", in.token()), 404, "NOT_FOUND"),
        check(() -> in.rest().call(HttpMethod.POST, "/conversations/" + in.roomId() + "/no-such-action", in.token(), new JsonObject()), 404, "NOT_FOUND"),
        check(() -> in.rest().call(HttpMethod.DELETE, "/no/such/route", in.token(), null), 404, "NOT_FOUND"),
        // Without a token the API does not reveal what exists, but still answers in its JSON shape.
        () -> in.rest().get("/no-such-thing", null).compose(response -> {
          try {
            assertTrue(response.statusCode() == 401 || response.statusCode() == 404, "status " + response.statusCode());
            assertErrorShape(response);
            return Future.<Void>succeededFuture();
          } catch (AssertionError e) {
            return Future.failedFuture(e);
          }
        }))
      .compose(v -> in.assertIntact())
      .onComplete(ctx.succeedingThenComplete());
  }

  private static Supplier<Future<Void>> check(Supplier<Future<HttpResponse<Buffer>>> call, int status, String code) {
    return () -> refused(call.get(), status, code);
  }

  private Supplier<Future<Void>> checkPost(String path, JsonObject body, int status, String code) {
    return check(() -> in.rest().post(path, in.token(), body), status, code);
  }
}
