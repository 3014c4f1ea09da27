package io.parley.delivery.api;

import io.vertx.core.json.JsonObject;

/** {messageId, clientChangeId?}: delete a message, leaving a tombstone in its place. */
public record DeleteMessage(MessageRef message, String clientChangeId) {

  public static DeleteMessage fromJson(JsonObject body) {
    return new DeleteMessage(MessageRef.fromJson(body), EditMessage.clientChangeId(body));
  }
}
