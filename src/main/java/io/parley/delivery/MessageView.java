package io.parley.delivery;

import io.vertx.core.json.JsonObject;

/** The client-facing shape of a message: its latest state, a tombstone ({@code deleted}, no text) once deleted. */
final class MessageView {

  private MessageView() {
  }

  static JsonObject of(JsonObject stored) {
    JsonObject view = new JsonObject()
      .put("id", stored.getString("_id"))
      .put("conversationId", stored.getString("conversationId"))
      .put("seq", stored.getLong("seq"))
      .put("senderId", stored.getString("senderId"))
      .put("senderName", stored.getString("senderName"))
      .put("clientMsgId", stored.getString("clientMsgId"))
      .put("createdAt", stored.getLong("createdAt"));
    if (stored.getBoolean("deleted", false)) {
      return view.put("deleted", true).put("deletedAt", stored.getLong("deletedAt"));
    }
    view.put("text", stored.getString("text"));
    if (stored.getValue("editedAt") != null) {
      view.put("editedAt", stored.getLong("editedAt"));
    }
    return view;
  }
}
