package io.parley.ratelimit;

/**
 * One limit: a token bucket holding at most {@code burst} requests, refilled at {@code perMinute}.
 * {@code kind} names it in metrics ({@code parley_rate_limited_total{kind}}) and in Redis keys.
 * A rate refilling at 0 per minute is off: every request passes.
 */
public record Rate(String kind, int burst, double perMinute) {

  public boolean off() {
    return perMinute <= 0 || burst <= 0;
  }

  /** Tokens per millisecond, the unit both bucket implementations compute in. */
  double perMilli() {
    return perMinute / 60_000.0;
  }

  /** How long an untouched bucket takes to fill again: after that its state can be forgotten. */
  long refillMillis() {
    return (long) Math.ceil(burst / perMilli());
  }
}
