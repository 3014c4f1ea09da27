package io.parley.delivery;

import io.vertx.core.json.JsonObject;

/** The client-facing shape of a message. */
final class MessageView {

  private MessageView() {
  }

  static JsonObject of(JsonObject stored) {
    return new JsonObject()
      .put("id", stored.getString("_id"))
      .put("conversationId", stored.getString("conversationId"))
      .put("seq", stored.getLong("seq"))
      .put("senderId", stored.getString("senderId"))
      .put("senderName", stored.getString("senderName"))
      .put("clientMsgId", stored.getString("clientMsgId"))
      .put("text", stored.getString("text"))
      .put("createdAt", stored.getLong("createdAt"));
  }
}
