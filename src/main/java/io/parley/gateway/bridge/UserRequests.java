package io.parley.gateway.bridge;

import java.util.HashMap;
import java.util.Map;

/**
 * Requests in flight per user across a gateway instance's connections, so opening more sockets does
 * not multiply what one user can queue. Not thread-safe: used from its verticle's context only.
 */
final class UserRequests {

  private final Map<String, Integer> inFlight = new HashMap<>();

  /** Counts one more request for the user unless that would exceed {@code max}; false if it would. */
  boolean tryStart(String userKey, int max) {
    int now = inFlight.getOrDefault(userKey, 0);
    if (now >= max) {
      return false;
    }
    inFlight.put(userKey, now + 1);
    return true;
  }

  void finished(String userKey) {
    inFlight.computeIfPresent(userKey, (k, n) -> n > 1 ? n - 1 : null);
  }
}
