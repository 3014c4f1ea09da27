package io.parley.rooms.api;

/** Event-bus addresses served by the rooms concern (conversations and memberships). */
public final class RoomsAddresses {

  /** {type: room|dm|group, name?, visibility?: public|private, members?: [username]} → conversation. */
  public static final String CREATE = "parley.rooms.create";
  /** {conversationId} → conversation (members, and anyone for a public room). */
  public static final String GET = "parley.rooms.get";
  /** {} → {conversations: [conversation with readSeq, unread]} of the caller. */
  public static final String LIST = "parley.rooms.list";
  /** {} → {conversations: [public rooms of the tenant]}. */
  public static final String PUBLIC = "parley.rooms.public";
  /** {conversationId} → conversation; public rooms only. */
  public static final String JOIN = "parley.rooms.join";
  /** {conversationId} → {}. */
  public static final String LEAVE = "parley.rooms.leave";
  /** {conversationId, members: [username]} → {added: [userId]}; rooms and group DMs. */
  public static final String INVITE = "parley.rooms.invite";
  /** {conversationId} → {members: [{userId, username, role, readSeq, joinedAt}]}. */
  public static final String MEMBERS = "parley.rooms.members";
  /** {conversationId, seq} → {readSeq, unread}; moves the caller's read position forward only. */
  public static final String READ = "parley.rooms.read";
  /** {conversationId, muted} → {conversationId, muted}: the caller's own setting, members only. */
  public static final String MUTE = "parley.rooms.mute";
  /** Internal: {conversationId} → {@link Membership} when the caller is a member. */
  public static final String MEMBERSHIP = "parley.rooms.membership";
  /** Internal: {} → {@link Positions} of the caller. */
  public static final String POSITIONS = "parley.rooms.positions";
  /**
   * Internal, from delivery: {@link Appended} → {}. The caller stored message {@code seq}: the
   * conversation's head moves there and so does the sender's own read position.
   */
  public static final String APPENDED = "parley.rooms.appended";
  /**
   * Internal, from auth: {} → the tenant's general room as the caller's conversation, or {} when none is
   * configured. A newly registered caller joins it; the tenant's first creates it and owns it. Idempotent.
   */
  public static final String WELCOME = "parley.rooms.welcome";

  private RoomsAddresses() {
  }
}
