package io.parley.gateway.bridge;

import io.parley.common.ErrorCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * Frames of the Vert.x event-bus bridge wire protocol (what {@code @vertx/eventbus-bridge-client.js}
 * speaks), built in one place.
 */
final class Frames {

  private Frames() {
  }

  /** A message for a registered handler or a reply ({@code address} is then the client's reply address). */
  static Buffer rec(String address, JsonObject body) {
    return new JsonObject().put("type", "rec").put("address", address).put("body", body).toBuffer();
  }

  /**
   * The same frame around a body encoded already: an event fanned out to many connections is encoded
   * once, and only the (short) address differs per connection.
   */
  static Buffer rec(String address, Buffer encodedBody) {
    Buffer head = Buffer.buffer("{\"type\":\"rec\",\"address\":").appendString(Json.encode(address)).appendString(",\"body\":");
    return head.appendBuffer(encodedBody).appendString("}");
  }

  /** A failure the client's handler or reply callback receives as {failureCode, failureType, message}. */
  static Buffer failure(String address, ErrorCode code, String detail) {
    return new JsonObject()
      .put("type", "err")
      .put("address", address)
      .put("failureCode", code.failureCode())
      .put("failureType", "RECIPIENT_FAILURE")
      .put("message", code.code() + ": " + detail)
      .toBuffer();
  }

  /** Why the server is about to close the connection (Parley's own frame: SockJS sessions carry no codes). */
  static Buffer close(int code, String reason) {
    return new JsonObject().put("type", "close").put("code", code).put("reason", reason).toBuffer();
  }

  /** A protocol-level error not tied to an address, as the stock bridge sends them (e.g. invalid_json). */
  static Buffer protocolError(String error) {
    return new JsonObject().put("type", "err").put("body", error).toBuffer();
  }
}
