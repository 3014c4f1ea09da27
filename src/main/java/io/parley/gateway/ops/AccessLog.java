package io.parley.gateway.ops;

import io.parley.common.RequestIds;
import io.parley.common.TrustedProxies;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First on the router: gives each HTTP request its id (a trusted proxy's {@code X-Request-Id}, e.g.
 * nginx's {@code $request_id}, or a new one), answers it in {@code X-Request-Id}, and writes one line
 * per request to the logger {@code parley.access} when it ends: method, path (never the query or
 * headers: they may hold secrets), status, duration, bytes sent, client address, user. Hand-written:
 * vertx-web's LoggerHandler formats a text line, where this gives the JSON log its fields.
 */
public final class AccessLog implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger("parley.access");

  private final TrustedProxies proxies;

  public AccessLog(TrustedProxies proxies) {
    this.proxies = proxies;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String peer = ctx.request().remoteAddress() == null ? "-" : ctx.request().remoteAddress().hostAddress();
    String client = proxies.client(peer, ctx.request().getHeader("X-Forwarded-For"));
    String offered = proxies.trusts(peer) ? RequestIds.acceptable(ctx.request().getHeader("X-Request-Id")) : null;
    String id = offered != null ? offered : RequestIds.next();
    long started = System.nanoTime();
    ctx.put(RequestIds.CONTEXT_KEY, id);
    ctx.response().putHeader("X-Request-Id", id);
    if ("websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
      // An upgraded request never ends as HTTP: its line is written now (a refused upgrade writes a second).
      LOG.atInfo().addKeyValue("requestId", id).addKeyValue("method", ctx.request().method().name())
        .addKeyValue("path", ctx.request().path()).addKeyValue("status", 101).addKeyValue("client", client)
        .log("{} {} upgrade", ctx.request().method(), ctx.request().path());
    }
    ctx.addEndHandler(done -> {
      int status = ctx.response().getStatusCode();
      LOG.atInfo()
        .addKeyValue("requestId", id)
        .addKeyValue("method", ctx.request().method().name())
        .addKeyValue("path", ctx.request().path())
        .addKeyValue("status", status)
        .addKeyValue("durationMs", (System.nanoTime() - started) / 1_000_000)
        .addKeyValue("bytesSent", ctx.response().bytesWritten())
        .addKeyValue("client", client)
        .addKeyValue("userId", ctx.user() == null ? "-" : ctx.user().principal().getString("sub", "-"))
        .log("{} {} {}", ctx.request().method(), ctx.request().path(), status);
    });
    ctx.next();
  }
}
