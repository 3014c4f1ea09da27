package io.parley.delivery.api;

import io.parley.common.ErrorCode;

/** Failures of the delivery concern. Failure codes 4xx. */
public enum DeliveryError implements ErrorCode {
  /** Too many concurrent senders kept taking the next sequence number; safe to resend. */
  SEQUENCE_CONTENTION(400, 503),
  /** The same clientMsgId was used before for a different text. */
  CLIENT_MSG_ID_REUSED(401, 409);

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
