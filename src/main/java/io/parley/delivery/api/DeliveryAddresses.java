package io.parley.delivery.api;

import java.util.Set;

/** Event-bus addresses served by the delivery concern (messages, history, catch-up). */
public final class DeliveryAddresses {

  /**
   * {@link SendMessage} → the stored message with its seq and {@code duplicate} ({@code true}, with the
   * message stored first, for a resent clientMsgId).
   */
  public static final String SEND = "parley.delivery.send";
  /** {@link HistoryPage} → {messages: [...ascending seq], hasMore}. */
  public static final String HISTORY = "parley.delivery.history";
  /**
   * {positions?: {conversationId: lastSeenSeq | {seq, changeSeq}}} → {conversations: {conversationId:
   * {messages, hasMore, readSeq, changes, changeSeq, changesHaveMore}}}: what the caller missed in each of
   * its conversations (messages after seq in their latest state, then the changes after changeSeq to
   * messages at or below seq); unnamed ones start from the read position and changeSeq 0.
   */
  public static final String SYNC = "parley.delivery.sync";
  /**
   * {@link EditMessage} → the message in its new state ({@code text}, {@code editedAt}) and {@code duplicate}
   * ({@code true} for a resent clientChangeId). The author only; a change in the conversation's change log.
   */
  public static final String EDIT = "parley.delivery.edit";
  /**
   * {@link DeleteMessage} → the tombstone ({@code deleted: true}, no {@code text}) and {@code duplicate}.
   * The author or the conversation's owner; the text is removed from storage.
   */
  public static final String DELETE = "parley.delivery.delete";
  /**
   * {@link React} → the message with its {@code reactions} ([{emoji, count, users: [{userId, username}]}]).
   * Adds the caller's emoji; again changes nothing. Any member, on a message that is not deleted.
   */
  public static final String REACT = "parley.delivery.react";
  /** {@link React} → the message with its {@code reactions}. Takes the caller's emoji off; again changes nothing. */
  public static final String UNREACT = "parley.delivery.unreact";

  /**
   * {@link ThreadPage} → {parent: the thread's root, messages: [replies, ascending threadSeq], hasMore}. A
   * reply is sent to {@link #SEND} with {@code threadOf}; the root then carries replyCount and lastReplyAt.
   */
  public static final String THREAD = "parley.delivery.thread";

  /** Message writes: they share each user's send rate, on the bridge and REST alike. */
  public static final Set<String> MESSAGE_WRITES = Set.of(SEND, EDIT, DELETE, REACT, UNREACT);

  private DeliveryAddresses() {
  }
}
