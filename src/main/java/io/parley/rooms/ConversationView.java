package io.parley.rooms;

import io.vertx.core.json.JsonObject;

/** The client-facing shape of a conversation; stored fields stay internal. */
final class ConversationView {

  private ConversationView() {
  }

  static JsonObject of(JsonObject conversation) {
    JsonObject view = new JsonObject()
      .put("id", conversation.getString("_id"))
      .put("type", conversation.getString("type"))
      .put("visibility", conversation.getString("visibility"))
      .put("createdBy", conversation.getString("createdBy"))
      .put("createdAt", conversation.getLong("createdAt"))
      .put("lastSeq", conversation.getLong("lastSeq", 0L));
    if (conversation.getString("name") != null) {
      view.put("name", conversation.getString("name"));
    }
    if (conversation.getJsonArray("dmUsers") != null) {
      view.put("dmUsers", conversation.getJsonArray("dmUsers"));
    }
    return view;
  }

  /** With the member's own read position, unread count and mute setting. */
  static JsonObject of(JsonObject conversation, JsonObject membership) {
    JsonObject view = of(conversation);
    long readSeq = membership.getLong("readSeq", 0L);
    view.put("role", membership.getString("role"))
      .put("readSeq", readSeq)
      .put("unread", Math.max(0, view.getLong("lastSeq") - readSeq))
      .put("muted", muted(membership));
    return view;
  }

  /** Memberships stored before mute existed are not muted. */
  static boolean muted(JsonObject membership) {
    return membership.getBoolean("muted", false);
  }

  static JsonObject member(JsonObject membership) {
    return new JsonObject()
      .put("userId", membership.getString("userId"))
      .put("username", membership.getString("username"))
      .put("role", membership.getString("role"))
      .put("readSeq", membership.getLong("readSeq", 0L))
      .put("joinedAt", membership.getLong("joinedAt"));
  }
}
