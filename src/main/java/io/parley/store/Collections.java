package io.parley.store;

/** Every MongoDB collection the node uses; ownership is noted so one concern writes each. */
public final class Collections {

  /** auth: accounts, unique (tenant, usernameKey). */
  public static final String USERS = "users";
  /** auth: refresh tokens stored by hash, grouped in rotation families. */
  public static final String REFRESH_TOKENS = "refresh_tokens";
  /** rooms: rooms, DMs and group DMs, with the last assigned sequence number. */
  public static final String CONVERSATIONS = "conversations";
  /** rooms: who is in which conversation, with each member's read position. */
  public static final String MEMBERSHIPS = "memberships";
  /** rooms: the one DM per pair of users, keyed by the pair. */
  public static final String DM_PAIRS = "dm_pairs";
  /** delivery: messages, unique (conversationId, seq) and (conversationId, senderId, clientMsgId). */
  public static final String MESSAGES = "messages";

  private Collections() {
  }
}
