package io.parley.gateway.ops;

import io.parley.common.CommonError;
import io.parley.common.Failure;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Guards what only operators should read ({@code /metrics}, {@code /health/detailed}: node ids, members,
 * load) behind {@code http.ops_token} when one is set: {@code Authorization: Bearer <token>}, compared
 * in constant time. Empty token: open, as before. {@code /health} (liveness) stays open for load balancers.
 */
public final class OpsToken implements Handler<RoutingContext> {

  private final byte[] token;

  public OpsToken(String token) {
    this.token = token.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (token.length == 0) {
      ctx.next();
      return;
    }
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
    if (MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
      ctx.next();
    } else {
      ctx.fail(new Failure(CommonError.UNAUTHENTICATED, "send 'Authorization: Bearer <http.ops_token>'"));
    }
  }
}
