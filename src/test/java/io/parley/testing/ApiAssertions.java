package io.parley.testing;

import io.parley.common.ErrorCode;
import io.parley.common.Failure;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The error contract as a client sees it (docs/PROTOCOL.md): REST answers {@code {"error":{"code","message"}}}
 * with a fitting status; the bridge answers an err frame whose failureCode is the same code's number and
 * whose message is {@code "CODE: detail"}. Neither leaks an exception or a stack trace.
 */
public final class ApiAssertions {

  private ApiAssertions() {
  }

  /** A refused REST request: {@code status}, the documented error shape, and {@code code}. */
  public static void assertError(HttpResponse<Buffer> response, int status, String code) {
    assertEquals(status, response.statusCode(), () -> "expected " + status + " " + code + ", got: " + response.bodyAsString());
    JsonObject error = assertErrorShape(response);
    assertEquals(code, error.getString("code"), response.bodyAsString());
  }

  /** {"error":{"code","message"}} as application/json, with no stack trace or exception name in it; yields the error. */
  public static JsonObject assertErrorShape(HttpResponse<Buffer> response) {
    String contentType = response.getHeader("content-type");
    assertNotNull(contentType, () -> "error without content type: " + response.bodyAsString());
    assertTrue(contentType.startsWith("application/json"), "content type " + contentType);
    String text = response.bodyAsString();
    assertNotNull(text, "error without body");
    assertFalse(text.contains("Exception"), "leaks an exception: " + text);
    assertFalse(text.contains("\tat ") || text.contains("\\tat "), "leaks a stack trace: " + text);
    JsonObject body = new JsonObject(text);
    assertEquals(Set.of("error"), body.fieldNames(), text);
    JsonObject error = body.getJsonObject("error");
    assertEquals(Set.of("code", "message"), error.fieldNames(), text);
    assertTrue(error.getValue("code") instanceof String c && c.matches("[A-Z_]+"), text);
    assertTrue(error.getValue("message") instanceof String m && !m.isBlank(), text);
    return error;
  }

  /** A refused bridge request or registration: an err frame with {@code failureCode} and a "CODE: detail" message. */
  public static void assertBridgeError(Throwable failure, int failureCode, String code) {
    BridgeClient.BridgeError error = assertInstanceOf(BridgeClient.BridgeError.class, failure);
    assertEquals(failureCode, error.failureCode(), error.getMessage());
    assertEquals(code, error.code(), error.getMessage());
    assertTrue(error.getMessage().startsWith(code + ": "), "message is CODE: detail: " + error.getMessage());
    assertFalse(error.getMessage().contains("Exception"), error.getMessage());
  }

  /**
   * A service call (no bus, no HTTP) refused with the typed {@code expected} code, whether it throws (a
   * rule checked before any I/O) or returns a failed future; yields the failure's detail.
   */
  public static String assertFailsWith(ErrorCode expected, Supplier<Future<?>> call) throws Exception {
    Object result;
    try {
      result = Async.await(call.get());
    } catch (Failure failure) {
      assertEquals(expected, failure.error(), "failure code, detail: " + failure.detail());
      return failure.detail();
    } catch (Exception other) {
      assertInstanceOf(Failure.class, other, "a typed failure " + expected);
      throw other;
    }
    throw new AssertionError("expected " + expected.code() + " but it succeeded with " + result);
  }

  /** The same check on an err frame read off the socket. */
  public static void assertBridgeError(JsonObject frame, int failureCode, String code) {
    assertEquals("err", frame.getString("type"), frame.encode());
    assertEquals(failureCode, frame.getInteger("failureCode"), frame.encode());
    assertTrue(frame.getString("message").startsWith(code + ": "), frame.encode());
  }

  /** Completes once {@code call} answers with the error; fails with the AssertionError otherwise. */
  public static Future<Void> refused(Future<HttpResponse<Buffer>> call, int status, String code) {
    return Async.verify(call, response -> assertError(response, status, code)).mapEmpty();
  }

  /** Completes once {@code call} fails with the bridge error; fails if it succeeds or fails otherwise. */
  public static Future<Void> bridgeRefused(Future<?> call, int failureCode, String code) {
    return call.transform(ar -> {
      if (ar.succeeded()) {
        return Future.failedFuture(new AssertionError("expected " + code + " but got a reply: " + ar.result()));
      }
      try {
        assertBridgeError(ar.cause(), failureCode, code);
        return Future.succeededFuture();
      } catch (AssertionError e) {
        return Future.failedFuture(e);
      }
    });
  }
}
