package io.parley.gateway;

import io.vertx.ext.web.RoutingContext;

/** Headers vertx-web has no dedicated handler for (X-Frame-Options and CSP come from its handlers). */
final class SecurityHeaders {

  private SecurityHeaders() {
  }

  static void apply(RoutingContext ctx) {
    ctx.response()
      .putHeader("X-Content-Type-Options", "nosniff")
      .putHeader("Referrer-Policy", "no-referrer")
      .putHeader("Cross-Origin-Opener-Policy", "same-origin");
    ctx.next();
  }
}
