package io.parley.gateway.rest;

import io.parley.common.Caller;
import io.parley.common.TrustedProxies;
import io.parley.ratelimit.Rate;
import io.parley.ratelimit.RateLimiter;
import io.parley.ratelimit.RateLimits;
import io.vertx.ext.web.RoutingContext;

/**
 * The REST side of the rate limits, checked before a body is read: sign-in calls per client address
 * (the proxy's X-Forwarded-For only from a trusted proxy), writes and sends per user. A refused request
 * answers 429 RATE_LIMITED with Retry-After and changes nothing.
 */
final class RestRates {

  /** What a route's requests count against. */
  enum Limit { NONE, PER_ADDRESS, WRITES, SENDS }

  private static final String LIMIT = "parley.rate";

  private final RateLimiter limiter;
  private final RateLimits rates;
  private final TrustedProxies proxies;

  RestRates(RateLimiter limiter, RateLimits rates, TrustedProxies proxies) {
    this.limiter = limiter;
    this.rates = rates;
    this.proxies = proxies;
  }

  static void note(RoutingContext ctx, Limit limit) {
    ctx.put(LIMIT, limit);
  }

  /** Before an anonymous call: its client address's share. */
  void perAddress(RoutingContext ctx) {
    if (ctx.get(LIMIT) != Limit.PER_ADDRESS) {
      ctx.next();
      return;
    }
    String client = proxies.client(ctx.request().remoteAddress().hostAddress(), ctx.request().getHeader("X-Forwarded-For"));
    check(ctx, rates.authPerAddress(), client, "too many sign-in requests from this address");
  }

  /** After authentication: the caller's share of writes or sends. */
  void perUser(RoutingContext ctx, Caller caller) {
    Limit limit = ctx.get(LIMIT);
    String user = caller.tenant() + ":" + caller.userId();
    if (limit == Limit.SENDS) {
      check(ctx, rates.sendsPerUser(), user, "too many messages sent");
    } else if (limit == Limit.WRITES) {
      check(ctx, rates.restWritesPerUser(), user, "too many changes");
    } else {
      ctx.next();
    }
  }

  private void check(RoutingContext ctx, Rate rate, String subject, String what) {
    // The decision may take a Redis round trip: hold the body back until the BodyHandler reads it
    // (it resumes the request); a refused request's body is let through unread, as vertx-web's auth handlers do.
    if (!ctx.request().isEnded()) {
      ctx.request().pause();
    }
    limiter.check(rate, subject, what)
      .onSuccess(allowed -> ctx.next())
      .onFailure(err -> {
        if (!ctx.request().isEnded()) {
          ctx.request().resume();
        }
        ctx.fail(err);
      });
  }
}
