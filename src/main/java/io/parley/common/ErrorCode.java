package io.parley.common;

/**
 * A stable, client-visible failure. Each concern declares its codes once in an enum implementing this;
 * the gateway maps them to an HTTP status (REST) or passes {@link #failureCode()} through (bridge).
 */
public interface ErrorCode {

  /** Stable string code, e.g. {@code CONVERSATION_NOT_FOUND}; what REST clients switch on. */
  String code();

  /** Stable numeric code carried as the event-bus {@code failureCode}; unique across all concerns. */
  int failureCode();

  /** HTTP status the REST API answers with. */
  int httpStatus();
}
