package io.parley.delivery;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The client-facing shape of a message: its latest state, a tombstone ({@code deleted}, no text, no
 * reactions, no mentions, no attachments) once deleted. Thread fields stay on a tombstone: its replies still hang there.
 */
final class MessageView {

  private static final String[] THREAD_FIELDS = {"threadOf", "threadSeq", "replyCount", "lastReplyAt"};

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
    for (String field : THREAD_FIELDS) {
      if (stored.getValue(field) != null) {
        view.put(field, stored.getValue(field));
      }
    }
    if (stored.getBoolean("deleted", false)) {
      return view.put("deleted", true).put("deletedAt", stored.getLong("deletedAt"));
    }
    view.put("text", stored.getString("text"));
    if (stored.getValue("editedAt") != null) {
      view.put("editedAt", stored.getLong("editedAt"));
    }
    JsonArray mentions = stored.getJsonArray("mentions");
    if (mentions != null && !mentions.isEmpty()) {
      view.put("mentions", mentions);
    }
    if (stored.getValue("broadcast") != null) {
      view.put("broadcast", stored.getString("broadcast"));
    }
    JsonArray attachments = stored.getJsonArray("attachments");
    if (attachments != null && !attachments.isEmpty()) {
      view.put("attachments", attachments);
    }
    JsonArray reactions = stored.getJsonArray("reactions");
    if (reactions != null && !reactions.isEmpty()) {
      view.put("reactions", reactions);
    }
    return view;
  }
}
