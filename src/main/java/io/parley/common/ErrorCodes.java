package io.parley.common;

import io.parley.auth.AuthError;
import io.parley.delivery.DeliveryError;
import io.parley.rooms.RoomsError;
import io.parley.store.MongoErrors;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

import java.util.HashMap;
import java.util.Map;

/** Maps whatever came back over the event bus to one of the declared codes. */
public final class ErrorCodes {

  private static final Map<Integer, ErrorCode> BY_FAILURE_CODE = new HashMap<>();

  static {
    register(CommonError.values());
    register(AuthError.values());
    register(RoomsError.values());
    register(DeliveryError.values());
  }

  private ErrorCodes() {
  }

  private static void register(ErrorCode[] codes) {
    for (ErrorCode code : codes) {
      ErrorCode clash = BY_FAILURE_CODE.put(code.failureCode(), code);
      if (clash != null) {
        throw new IllegalStateException("failure code " + code.failureCode() + " used by " + clash + " and " + code);
      }
    }
  }

  /** The declared code behind a failure; unknown failures are INTERNAL, timeouts TIMEOUT, no handler UNAVAILABLE. */
  public static ErrorCode of(Throwable failure) {
    if (failure instanceof Failure typed) {
      return typed.error();
    }
    if (MongoErrors.isUnavailable(failure)) {
      return CommonError.SERVICE_UNAVAILABLE;
    }
    if (failure instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.TIMEOUT) {
        return CommonError.TIMEOUT;
      }
      if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
        return CommonError.SERVICE_UNAVAILABLE;
      }
      ErrorCode code = BY_FAILURE_CODE.get(reply.failureCode());
      if (code != null) {
        return code;
      }
    }
    return CommonError.INTERNAL;
  }

  /** The detail part of a failure's message, without the leading code. */
  public static String detailOf(Throwable failure, ErrorCode code) {
    if (failure instanceof Failure typed) {
      return typed.detail();
    }
    if (code == CommonError.INTERNAL || failure == null || failure.getMessage() == null) {
      return "internal error";
    }
    if (MongoErrors.isUnavailable(failure)) {
      return "the store is unreachable; retry";
    }
    String message = failure.getMessage();
    String prefix = code.code() + ": ";
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }
}
