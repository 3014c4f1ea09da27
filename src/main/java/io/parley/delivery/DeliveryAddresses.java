package io.parley.delivery;

/** Event-bus addresses served by the delivery concern (messages, history, catch-up). */
public final class DeliveryAddresses {

  /** {conversationId, clientMsgId, text} → the stored message with its seq (same message for a resent clientMsgId). */
  public static final String SEND = "parley.delivery.send";
  /** {conversationId, before?, after?, limit?} → {messages: [...ascending seq], hasMore}. */
  public static final String HISTORY = "parley.delivery.history";
  /**
   * {positions?: {conversationId: lastSeenSeq}} → {conversations: {conversationId: {messages, hasMore}}}:
   * what the caller missed in each of its conversations; unnamed ones start from the read position.
   */
  public static final String SYNC = "parley.delivery.sync";
  /** {} → {}; health. */
  public static final String PING = "parley.delivery.ping";

  private DeliveryAddresses() {
  }
}
