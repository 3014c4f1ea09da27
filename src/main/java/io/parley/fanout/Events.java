package io.parley.fanout;

import io.vertx.core.json.JsonObject;

/** The event shapes clients receive on their inbox address; field names are part of the protocol. */
public final class Events {

  public static final String MESSAGE = "message";
  /** A message was edited or deleted: {changeSeq, kind, message (its new state)}. */
  public static final String MESSAGE_CHANGED = "message.changed";
  /** On the mentioned user's channel: {conversationId, message} names them (or @here/@all in a room of theirs). */
  public static final String MENTION = "mention";
  /** On a thread follower's channel: {conversationId, threadOf, message}, a new reply, muted conversation or not. */
  public static final String THREAD_REPLY = "thread.reply";
  /** On conversation channels: {userId, username, state, lastSeenAt, at} — a member's presence changed. */
  public static final String PRESENCE = "presence";
  /** On a conversation channel: {userId, username, typing, expiresInMs} — a member started or stopped typing. */
  public static final String TYPING = "typing";
  public static final String READ = "read";
  /** A member's connections were handed messages up to {deliveredSeq} (receipts; a read implies it). */
  public static final String DELIVERED = "delivered";
  public static final String MEMBER_JOINED = "member.joined";
  public static final String MEMBER_LEFT = "member.left";
  public static final String CONVERSATION_ADDED = "conversation.added";
  public static final String CONVERSATION_REMOVED = "conversation.removed";
  /** To the member's own connections only: {muted}, their setting for the conversation changed. */
  public static final String CONVERSATION_MUTED = "conversation.muted";
  /** On {@link Channels#membershipRemovals()} only: {conversationId, userId} is no longer a member. */
  public static final String MEMBERSHIP_REMOVED = "membership.removed";
  /** Sent by the gateway alone: events may have been missed (fan-out reconnected); sync now. */
  public static final String RESYNC = "resync";
  /** Sent by the gateway alone, once a connection is subscribed to all its conversations. */
  public static final String READY = "ready";

  private Events() {
  }

  public static JsonObject of(String type, String conversationId) {
    return new JsonObject().put("type", type).put("conversationId", conversationId);
  }
}
