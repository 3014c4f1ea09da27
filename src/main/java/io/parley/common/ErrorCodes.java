package io.parley.common;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps whatever came back over the event bus to one of the declared codes. The edge (the gateway)
 * builds one from every concern's error enum; {@code common} itself knows none of them.
 */
public final class ErrorCodes {

  private final Map<Integer, ErrorCode> byFailureCode = new HashMap<>();

  public ErrorCodes(List<ErrorCode[]> declared) {
    register(CommonError.values());
    declared.forEach(this::register);
  }

  private void register(ErrorCode[] codes) {
    for (ErrorCode code : codes) {
      ErrorCode clash = byFailureCode.put(code.failureCode(), code);
      if (clash != null && clash != code) {
        throw new IllegalStateException("failure code " + code.failureCode() + " used by " + clash + " and " + code);
      }
    }
  }

  /** The declared code behind a failure; unknown failures are INTERNAL, timeouts TIMEOUT, no handler UNAVAILABLE. */
  public ErrorCode of(Throwable failure) {
    ErrorCode transport = transport(failure);
    if (transport != null) {
      return transport;
    }
    if (failure instanceof ReplyException reply) {
      ErrorCode code = byFailureCode.get(reply.failureCode());
      if (code != null) {
        return code;
      }
    }
    return CommonError.INTERNAL;
  }

  /** Codes every party knows without a registry: typed failures and the event bus's own failures. */
  static ErrorCode transport(Throwable failure) {
    if (failure instanceof Failure typed) {
      return typed.error();
    }
    if (failure instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.TIMEOUT) {
        return CommonError.TIMEOUT;
      }
      if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
        return CommonError.SERVICE_UNAVAILABLE;
      }
    }
    return null;
  }

  /** The detail part of a failure's message, without the leading code. */
  public static String detailOf(Throwable failure, ErrorCode code) {
    if (failure instanceof Failure typed) {
      return typed.detail();
    }
    if (code == CommonError.INTERNAL || failure == null || failure.getMessage() == null) {
      return "internal error";
    }
    String message = failure.getMessage();
    String prefix = code.code() + ": ";
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }
}
