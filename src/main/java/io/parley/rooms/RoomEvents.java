package io.parley.rooms;

import io.parley.fanout.Channels;
import io.parley.fanout.EventFanout;
import io.parley.fanout.Events;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/** The events rooms publishes: to a conversation's members, or to one user's connections. */
final class RoomEvents {

  private final EventFanout fanout;

  RoomEvents(EventFanout fanout) {
    this.fanout = fanout;
  }

  Future<Void> memberJoined(String tenant, String id, String userId, String username) {
    return toConversation(tenant, id, Events.of(Events.MEMBER_JOINED, id).put("userId", userId).put("username", username));
  }

  Future<Void> memberLeft(String tenant, String id, String userId, String username) {
    return Future.all(
      toConversation(tenant, id, Events.of(Events.MEMBER_LEFT, id).put("userId", userId).put("username", username)),
      fanout.publish(Channels.user(tenant, userId), Events.of(Events.CONVERSATION_REMOVED, id)),
      fanout.publish(Channels.membershipRemovals(), Events.of(Events.MEMBERSHIP_REMOVED, id).put("userId", userId))).mapEmpty();
  }

  /**
   * To every member when receipts are {@code shared}; otherwise to the reader's own connections alone,
   * whose unread counts still follow it across devices.
   */
  Future<Void> read(String tenant, String id, String userId, long readSeq, boolean shared) {
    JsonObject event = Events.of(Events.READ, id).put("userId", userId).put("readSeq", readSeq);
    return shared ? toConversation(tenant, id, event) : fanout.publish(Channels.user(tenant, userId), event);
  }

  /** Members' delivered positions that moved ({userId: deliveredSeq}), gathered per conversation. */
  Future<Void> delivered(String tenant, String id, Map<String, Long> positions) {
    JsonObject byUser = new JsonObject();
    positions.forEach(byUser::put);
    return toConversation(tenant, id, Events.of(Events.DELIVERED, id).put("positions", byUser));
  }

  /** A member's own setting: only their connections hear of it (their other devices follow). */
  Future<Void> muted(String tenant, String id, String userId, boolean muted) {
    return fanout.publish(Channels.user(tenant, userId), Events.of(Events.CONVERSATION_MUTED, id).put("muted", muted));
  }

  /** Tells each user's connections to subscribe to the conversation. */
  Future<Void> conversationAdded(String tenant, JsonObject conversation, List<String> userIds) {
    JsonObject event = Events.of(Events.CONVERSATION_ADDED, conversation.getString("_id"))
      .put("conversation", ConversationView.of(conversation));
    return Future.all(userIds.stream().map(u -> fanout.publish(Channels.user(tenant, u), event)).toList()).mapEmpty();
  }

  private Future<Void> toConversation(String tenant, String id, JsonObject event) {
    return fanout.publish(Channels.conversation(tenant, id), event);
  }
}
