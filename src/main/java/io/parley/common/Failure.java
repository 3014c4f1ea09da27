package io.parley.common;

import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * A typed failure travelling over the event bus. The message is {@code "CODE: detail"} so that a
 * bridge client, which only sees {@code failureCode} and {@code message}, still gets the stable code.
 */
public final class Failure extends ReplyException {

  private final transient ErrorCode error;
  private final String detail;

  public Failure(ErrorCode error, String detail) {
    super(ReplyFailure.RECIPIENT_FAILURE, error.failureCode(), error.code() + ": " + detail);
    this.error = error;
    this.detail = detail;
  }

  public static <T> Future<T> fail(ErrorCode error, String detail) {
    return Future.failedFuture(new Failure(error, detail));
  }

  public ErrorCode error() { return error; }

  public String detail() { return detail; }

  @Override
  public synchronized Throwable fillInStackTrace() {
    // Expected, client-caused failures: a stack trace would only cost time and clutter logs.
    return this;
  }
}
