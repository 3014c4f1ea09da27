package io.parley.common;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a RATE_LIMITED failure says when to come back: its detail ends with "retry in N s", which a
 * bridge client reads in the message and the REST gateway turns into a {@code Retry-After} header
 * (a failure crosses the event bus as a code and a message only).
 */
public final class RetryAfter {

  private static final Pattern RETRY_IN = Pattern.compile("retry in (\\d+) s$");

  private RetryAfter() {
  }

  public static Failure rateLimited(String what, long seconds) {
    return new Failure(CommonError.RATE_LIMITED, what + "; retry in " + Math.max(1, seconds) + " s");
  }

  /** The seconds a message asks the client to wait, if it names them. */
  public static OptionalLong seconds(String message) {
    Matcher matcher = message == null ? null : RETRY_IN.matcher(message);
    return matcher != null && matcher.find() ? OptionalLong.of(Long.parseLong(matcher.group(1))) : OptionalLong.empty();
  }
}
