package io.parley.auth.api;

import io.parley.common.ErrorCode;

/** Failures of the auth concern. Failure codes 2xx. */
public enum AuthError implements ErrorCode {
  INVALID_CREDENTIALS(200, 401),
  USERNAME_TAKEN(201, 409),
  REFRESH_TOKEN_INVALID(202, 401),
  REFRESH_TOKEN_REUSED(203, 401),
  /** Missing claims, bad signature, wrong algorithm or issuer, or expired: not told apart on purpose. */
  TOKEN_INVALID(205, 401);

  private final int failureCode;
  private final int httpStatus;

  AuthError(int failureCode, int httpStatus) {
    this.failureCode = failureCode;
    this.httpStatus = httpStatus;
  }

  @Override public String code() { return name(); }
  @Override public int failureCode() { return failureCode; }
  @Override public int httpStatus() { return httpStatus; }
}
