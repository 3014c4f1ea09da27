package io.parley.gateway.bridge;

import io.parley.common.Caller;
import io.parley.common.CommonError;
import io.parley.common.Failure;
import io.parley.common.Meters;
import io.parley.delivery.api.DeliveryAddresses;
import io.parley.ratelimit.Rate;
import io.parley.ratelimit.RateLimiter;
import io.vertx.core.Future;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Which requests of one connection go to work: at most {@code requestsPerConnection} unanswered on the
 * connection and {@code requestsPerUser} for its user across the gateway's connections ({@link UserRequests}),
 * and sends within the user's rate ({@code limits.rates.sends_per_user}, cluster-wide through Redis).
 * Past any of them the request is refused before any work, so a client past its share gets an answer at
 * once, not a queue. Not thread-safe: used from the connection's context only.
 */
final class RequestAdmission {

  /** Bridge requests in flight in this JVM ({@code parley_bridge_requests_in_flight}, registered by {@link BridgeServer}). */
  static final AtomicLong IN_FLIGHT = new AtomicLong();

  private final BridgeSettings settings;
  private final UserRequests userRequests;
  private final RateLimiter limiter;
  private final Rate sendsPerUser;
  private int inFlight;

  RequestAdmission(BridgeSettings settings, UserRequests userRequests, RateLimiter limiter, Rate sendsPerUser) {
    this.settings = settings;
    this.userRequests = userRequests;
    this.limiter = limiter;
    this.sendsPerUser = sendsPerUser;
  }

  /**
   * Admits a request of {@code caller} (null before the connection has authenticated) and returns the
   * ticket to {@link #finished(String)} with, or throws RATE_LIMITED.
   */
  String admit(Caller caller) {
    if (inFlight >= settings.requestsPerConnection()) {
      Meters.rateLimited("bridge_connection");
      throw new Failure(CommonError.RATE_LIMITED, "more than " + settings.requestsPerConnection()
        + " requests unanswered on this connection; retry after an answer");
    }
    String userKey = caller == null ? null : caller.tenant() + ":" + caller.userId();
    if (userKey != null && !userRequests.tryStart(userKey, settings.requestsPerUser())) {
      Meters.rateLimited("bridge_user");
      throw new Failure(CommonError.RATE_LIMITED, "more than " + settings.requestsPerUser()
        + " requests unanswered for this user; retry after an answer");
    }
    inFlight++;
    IN_FLIGHT.incrementAndGet();
    return userKey;
  }

  /** Passes {@code who} on if a request to {@code address} is within the user's rate; fails RATE_LIMITED if not. */
  Future<Caller> withinRate(String address, Caller who) {
    if (!DeliveryAddresses.MESSAGE_WRITES.contains(address)) {
      return Future.succeededFuture(who);
    }
    return limiter.check(sendsPerUser, who.tenant() + ":" + who.userId(), "too many messages sent").map(who);
  }

  void finished(String ticket) {
    inFlight--;
    IN_FLIGHT.decrementAndGet();
    if (ticket != null) {
      userRequests.finished(ticket);
    }
  }

  /** Requests admitted and not yet answered. */
  int inFlight() {
    return inFlight;
  }
}
