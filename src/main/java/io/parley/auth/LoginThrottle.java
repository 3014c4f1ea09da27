package io.parley.auth;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Login attempts per account: a token bucket of {@code attempts} refilled over {@code windowSeconds},
 * checked before any password hashing, so guessing at one account costs the guesser a wait and
 * everyone else nothing. In-process, per auth instance; the least recently used accounts are
 * forgotten past {@code maxAccounts} (a forgotten account starts with a full bucket).
 */
final class LoginThrottle {

  private final int attempts;
  private final double refillPerMilli;
  private final Clock clock;
  private final Map<String, double[]> buckets;

  LoginThrottle(int attempts, int windowSeconds, int maxAccounts, Clock clock) {
    this.attempts = attempts;
    this.refillPerMilli = attempts / (windowSeconds * 1000.0);
    this.clock = clock;
    this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
        return size() > maxAccounts;
      }
    };
  }

  /** Takes an attempt for the account: 0 if allowed, else the seconds until one is. */
  synchronized long tryAttempt(String account) {
    long now = clock.millis();
    double[] bucket = buckets.computeIfAbsent(account, k -> new double[] {attempts, now});
    bucket[0] = Math.min(attempts, bucket[0] + (now - bucket[1]) * refillPerMilli);
    bucket[1] = now;
    if (bucket[0] >= 1) {
      bucket[0] -= 1;
      return 0;
    }
    return (long) Math.ceil((1 - bucket[0]) / refillPerMilli / 1000.0);
  }
}
