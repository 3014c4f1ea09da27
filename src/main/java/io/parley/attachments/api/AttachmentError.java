package io.parley.attachments.api;

import io.parley.common.ErrorCode;

/** Failures of the attachments concern. Failure codes 6xx. */
public enum AttachmentError implements ErrorCode {
  /** The type detected from the bytes is not on {@code attachments.allowed_types} (whatever the name or header said). */
  UNSUPPORTED_FILE_TYPE(600, 415),
  /** clamd found a signature: the file is neither stored nor served. */
  FILE_INFECTED(601, 422),
  /** Scanning is configured but clamd did not answer (refused, timed out, errored): nothing is stored unscanned. */
  SCAN_UNAVAILABLE(602, 503),
  /** No such attachment for the caller: also another tenant's, or one of a conversation the caller is not in. */
  ATTACHMENT_NOT_FOUND(603, 404),
  /** An image whose dimensions exceed {@code attachments.image_max_pixels}: refused before it is decoded. */
  IMAGE_TOO_LARGE(604, 413),
  /** A message naming more attachments than {@code attachments.files_per_message}. */
  TOO_MANY_ATTACHMENTS(605, 413),
  /** The attachment is already part of another message. */
  ATTACHMENT_IN_USE(606, 409),
  /** A {@code Range} that starts past the end of the file. */
  RANGE_NOT_SATISFIABLE(607, 416);

  private final int failureCode;
  private final int httpStatus;

  AttachmentError(int failureCode, int httpStatus) {
    this.failureCode = failureCode;
    this.httpStatus = httpStatus;
  }

  @Override public String code() { return name(); }
  @Override public int failureCode() { return failureCode; }
  @Override public int httpStatus() { return httpStatus; }
}
