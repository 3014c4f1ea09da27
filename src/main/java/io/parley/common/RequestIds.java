package io.parley.common;

import io.vertx.core.eventbus.Message;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The id that ties one client request's log lines together: made (or taken from a trusted proxy's
 * {@code X-Request-Id}) where the request enters, answered in {@code X-Request-Id}, and carried to the
 * concern that serves it in the event-bus header {@value #HEADER}. Logged as the key-value pair
 * {@code requestId}; bridge connections log {@code connectionId}.
 */
public final class RequestIds {

  /** Event-bus header naming the request a message serves. */
  public static final String HEADER = "parley-request-id";
  /** Where the gateway keeps a REST request's id in its routing context. */
  public static final String CONTEXT_KEY = "parley.requestId";
  private static final Pattern ACCEPTABLE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private RequestIds() {
  }

  /** 16 hex digits, random: unique enough to find one request's lines among a cluster's. */
  public static String next() {
    return String.format("%016x", ThreadLocalRandom.current().nextLong());
  }

  /** An id a proxy sent, if it is short and plain enough to log as is; else null. */
  public static String acceptable(String offered) {
    return offered != null && ACCEPTABLE.matcher(offered).matches() ? offered : null;
  }

  /** The id a bus message carries, or "-". */
  public static String of(Message<?> message) {
    String id = message.headers().get(HEADER);
    return id == null ? "-" : id;
  }
}
