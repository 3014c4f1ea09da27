package io.parley.rooms;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

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

  /** With the member's own read position, unread count, unread mentions and mute setting. */
  static JsonObject of(JsonObject conversation, JsonObject membership) {
    JsonObject view = of(conversation);
    long readSeq = membership.getLong("readSeq", 0L);
    view.put("role", membership.getString("role"))
      .put("readSeq", readSeq)
      .put("unread", Math.max(0, view.getLong("lastSeq") - readSeq))
      .put("unreadMentions", MentionCounts.unread(conversation, membership, readSeq))
      .put("muted", muted(membership));
    return view;
  }

  /** Memberships stored before mute existed are not muted. */
  static boolean muted(JsonObject membership) {
    return membership.getBoolean("muted", false);
  }

  /**
   * The member list as the caller sees it: everyone's read and delivered positions for a member where the
   * tenant has receipts on; otherwise only the caller's own (a non-member of a public room sees none).
   */
  static JsonArray members(List<JsonObject> memberships, String callerId, boolean receipts) {
    boolean member = memberships.stream().anyMatch(m -> callerId.equals(m.getString("userId")));
    return new JsonArray(memberships.stream()
      .map(m -> member(m, (receipts && member) || callerId.equals(m.getString("userId")))).toList());
  }

  private static JsonObject member(JsonObject membership, boolean positions) {
    JsonObject view = new JsonObject()
      .put("userId", membership.getString("userId"))
      .put("username", membership.getString("username"))
      .put("role", membership.getString("role"))
      .put("joinedAt", membership.getLong("joinedAt"));
    return positions ? view.put("readSeq", membership.getLong("readSeq", 0L))
      .put("deliveredSeq", MembershipStore.deliveredSeq(membership)) : view;
  }
}
