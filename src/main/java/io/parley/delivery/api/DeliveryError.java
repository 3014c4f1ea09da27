package io.parley.delivery.api;

import io.parley.common.ErrorCode;

/** Failures of the delivery concern. Failure codes 4xx. */
public enum DeliveryError implements ErrorCode {
  /** Too many concurrent senders kept taking the next sequence number; safe to resend. */
  SEQUENCE_CONTENTION(400, 503),
  /** The same clientMsgId was used before for a different text. */
  CLIENT_MSG_ID_REUSED(401, 409),
  /** No such message in a conversation the caller is in (also another tenant's, or one the caller left). */
  MESSAGE_NOT_FOUND(402, 404),
  /** A member who may not change this message: edits are the author's, deletes the author's or the owner's. */
  NOT_MESSAGE_AUTHOR(403, 403),
  /** The message is deleted; a tombstone cannot be edited. */
  MESSAGE_DELETED(404, 409),
  /** The same clientChangeId was used before for a different change. */
  CLIENT_CHANGE_ID_REUSED(405, 409),
  /** A reaction past the bounds: emojis per user on one message, or distinct emojis on one message. */
  TOO_MANY_REACTIONS(406, 409),
  /** A reply whose {@code threadOf} names a message of another conversation. */
  THREAD_PARENT_INVALID(407, 422),
  /** A message naming more distinct {@code @username}s than a message may mention. */
  TOO_MANY_MENTIONS(408, 422);

  private final int failureCode;
  private final int httpStatus;

  DeliveryError(int failureCode, int httpStatus) {
    this.failureCode = failureCode;
    this.httpStatus = httpStatus;
  }

  @Override public String code() { return name(); }
  @Override public int failureCode() { return failureCode; }
  @Override public int httpStatus() { return httpStatus; }
}
