package io.parley.delivery.api;

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

  private DeliveryAddresses() {
  }
}
