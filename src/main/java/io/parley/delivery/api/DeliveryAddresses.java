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
   * {positions?: {conversationId: lastSeenSeq}} → {conversations: {conversationId: {messages, hasMore}}}:
   * what the caller missed in each of its conversations; unnamed ones start from the read position.
   */
  public static final String SYNC = "parley.delivery.sync";

  private DeliveryAddresses() {
  }
}
