package io.parley.common;

/** Failures that any concern or the gateway itself can raise. Failure codes 1xx. */
public enum CommonError implements ErrorCode {
  BAD_JSON(100, 400),
  VALIDATION_FAILED(101, 400),
  PAYLOAD_TOO_LARGE(102, 413),
  UNAUTHENTICATED(103, 401),
  FORBIDDEN(104, 403),
  NOT_FOUND(105, 404),
  METHOD_NOT_ALLOWED(106, 405),
  UNSUPPORTED_MEDIA_TYPE(107, 415),
  SERVICE_UNAVAILABLE(108, 503),
  TIMEOUT(109, 504),
  INTERNAL(110, 500),
  RATE_LIMITED(111, 429);

  private final int failureCode;
  private final int httpStatus;

  CommonError(int failureCode, int httpStatus) {
    this.failureCode = failureCode;
    this.httpStatus = httpStatus;
  }

  @Override public String code() { return name(); }
  @Override public int failureCode() { return failureCode; }
  @Override public int httpStatus() { return httpStatus; }
}
