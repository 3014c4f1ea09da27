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
  /**
   * {conversationId} → {members: [{userId, username, role, readSeq, deliveredSeq, joinedAt}]}; others' positions
   * only for members, and only where the tenant has receipts on.
   */
  public static final String MEMBERS = "parley.rooms.members";
  /** {conversationId, seq} → {readSeq, unread}; moves the caller's read position forward only. */
  public static final String READ = "parley.rooms.read";
  /**
   * {messageId} → {@link Receipts}: of the other members, how many the message was delivered to and how
   * many read it, counted from their positions. Members only; RECEIPTS_DISABLED where the tenant has them off.
   */
  public static final String RECEIPTS = "parley.rooms.receipts";
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
   * Internal, from the gateway: {@link Positions} → {}. The caller's connections were handed messages up
   * to these seqs: each delivered position moves there (forward only), announced where it moved.
   */
  public static final String DELIVERED = "parley.rooms.delivered";

  /**
   * Internal, from delivery: {@link Mentioned} → {}. The caller's stored message {@code seq} names these
   * members (or, {@code all}, everyone): it counts in their unread mentions until they read past it.
   */
  public static final String MENTIONED = "parley.rooms.mentioned";
  /**
   * Internal, from the gateway's presence: {userIds: [...]} (at most {@link MembersAmong#MAX}) → {userIds}, those
   * who share at least one conversation with the caller.
   */
  public static final String CONTACTS = "parley.rooms.contacts";
  /** Internal, from delivery: {@link MembersAmong} → {members: [{userId, username}]}, those of them who are members. */
  public static final String MEMBERS_AMONG = "parley.rooms.members.among";
  /**
   * Internal, from auth: {} → the tenant's general room as the caller's conversation, or {} when none is
   * configured. A newly registered caller joins it; the tenant's first creates it and owns it. Idempotent.
   */
  public static final String WELCOME = "parley.rooms.welcome";

  private RoomsAddresses() {
  }
}
