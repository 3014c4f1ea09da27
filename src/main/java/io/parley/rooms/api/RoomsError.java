package io.parley.rooms.api;

import io.parley.common.ErrorCode;

/** Failures of the rooms concern. Failure codes 3xx. */
public enum RoomsError implements ErrorCode {
  /** Also answered for conversations of another tenant and private rooms the caller is not in. */
  CONVERSATION_NOT_FOUND(300, 404),
  NOT_A_MEMBER(301, 403),
  UNKNOWN_USERS(302, 404),
  NOT_JOINABLE(303, 403),
  CANNOT_LEAVE_DM(304, 409),
  CANNOT_INVITE_TO_DM(305, 409),
  /** Someone to be added is in {@code limits.conversations_per_user} conversations already. */
  TOO_MANY_CONVERSATIONS(306, 409),
  /** The caller's tenant has receipts turned off ({@code tenants.receipts_off}): nobody sees others' positions. */
  RECEIPTS_DISABLED(307, 403);

  private final int failureCode;
  private final int httpStatus;

  RoomsError(int failureCode, int httpStatus) {
    this.failureCode = failureCode;
    this.httpStatus = httpStatus;
  }

  @Override public String code() { return name(); }
  @Override public int failureCode() { return failureCode; }
  @Override public int httpStatus() { return httpStatus; }
}
