package io.parley.gateway;

import io.parley.attachments.Attachments;
import io.parley.auth.api.AccessTokens;
import io.parley.common.BusRequests;
import io.parley.common.NodeInfo;
import io.parley.common.TrustedProxies;
import io.parley.config.ParleyConfig;
import io.parley.fanout.EventFanout;
import io.parley.fanout.Fanouts;
import io.parley.gateway.bridge.BridgeServer;
import io.parley.gateway.bridge.BridgeSettings;
import io.parley.gateway.bridge.SockJsSendGuard;
import io.parley.gateway.errors.ErrorResponses;
import io.parley.gateway.ops.AccessLog;
import io.parley.gateway.ops.HealthRoutes;
import io.parley.gateway.ops.OpsToken;
import io.parley.gateway.receipts.DeliveredPositions;
import io.parley.gateway.rest.ApiRoutes;
import io.parley.live.Live;
import io.parley.ratelimit.RateLimiter;
import io.parley.ratelimit.RateLimits;
import io.parley.rooms.api.ReceiptSettings;
import io.parley.rooms.api.RoomsClient;
import io.parley.store.Mongo;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CSPHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.XFrameHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.redis.client.Redis;

import java.time.Clock;
import java.util.concurrent.TimeUnit;

/** The node's HTTP face: REST under /api, the SockJS bridge at /eventbus, health, metrics, the web client. */
public class GatewayVerticle extends VerticleBase {

  private final NodeInfo node;
  private ParleyConfig config;
  private HttpServer server;
  private HttpServer management;
  private BridgeServer bridge;
  private EventFanout fanout;
  private MongoClient mongo;
  private Redis redis;
  private RateLimiter limiter;
  private DeliveredPositions delivered;
  private Live live;
  private Attachments attachments;

  public GatewayVerticle(NodeInfo node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    config = ParleyConfig.of(config());
    AccessTokens tokens = new AccessTokens(vertx, config.jwtSecret(), config.issuer(), config.accessTtlSeconds(), Clock.systemUTC());
    fanout = Fanouts.create(vertx, config);
    limiter = RateLimiter.create(vertx, config);
    RateLimits rates = RateLimits.of(config);
    delivered = new DeliveredPositions(vertx, new RoomsClient(BusRequests.of(vertx)),
      ReceiptSettings.of(config.receipts(), config.receiptsOff()));
    live = Live.create(vertx, config, fanout, new RoomsClient(BusRequests.of(vertx)));
    bridge = new BridgeServer(vertx, tokens, fanout, BridgeSettings.of(config, node.nodeId()), limiter, rates, delivered,
      live, Clock.systemUTC());
    mongo = Mongo.client(vertx, config);
    return Attachments.create(vertx, config, mongo, new RoomsClient(BusRequests.of(vertx))).compose(ready -> {
      attachments = ready;
      return serve(tokens, rates);
    });
  }

  private Future<HttpServer> serve(AccessTokens tokens, RateLimits rates) {
    TrustedProxies proxies = TrustedProxies.of(config.trustedProxies());
    Router router = Router.router(vertx);
    router.route().handler(new AccessLog(proxies));
    router.route().handler(SecurityHeaders::apply);
    router.route().handler(XFrameHandler.create(XFrameHandler.DENY));
    router.route().handler(CSPHandler.create()
      .setDirective("default-src", "'self'")
      .addDirective("connect-src", "'self' ws: wss:")
      // blob: for attachment previews, which the web client fetches with its token and shows by object URL.
      .addDirective("img-src", "'self' data: blob:"));
    redis = config.redisConnectionString().isBlank() ? null : Redis.createClient(vertx, config.redisConnectionString());
    // With a management port, what only operators need is served there alone (bind it to a private address).
    Router ops = config.managementPort() > 0 ? Router.router(vertx) : router;
    HealthRoutes.mount(vertx, router, ops, node, config, mongo, redis, bridge::connections, attachments::scanner);
    ops.get("/metrics").handler(new OpsToken(config.opsToken())).handler(PrometheusScrapingHandler.create());
    router.route("/api/*").subRouter(ApiRoutes.create(vertx, tokens, limiter, rates,
      proxies, delivered, attachments, config.maxBodyBytes(), config.requestTimeoutMs()));
    // SockJS's xhr transports POST their frames; they need the body read before the SockJS handler.
    // Nothing on the bridge takes a form: refused on its headers, so no form decoder ever runs on it.
    router.route(HttpMethod.POST, "/eventbus/*").handler(SockJsSendGuard::refuseForms);
    router.route(HttpMethod.POST, "/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()));
    // Broken SockJS input is refused with 4xx before vertx-web's SockJS handler (which answers it with 500).
    router.route("/eventbus/*").handler(SockJsSendGuard::check);
    router.get("/eventbus/websocket").handler(bridge::upgradeRaw);
    router.getWithRegex("/eventbus/[^/.]+/[^/.]+/websocket").handler(bridge::upgradeSession);
    router.route("/eventbus/*").subRouter(bridge.router());
    // Revalidated on every load (Last-Modified/ETag), so a deploy reaches browsers at once.
    router.route("/*").handler(StaticHandler.create(config.webroot()).setCachingEnabled(false));
    // Failures outside /api (e.g. an over-size SockJS xhr_send body: 413) answer in the API's error shape
    // instead of vertx-web logging "Unhandled exception in router" at ERROR.
    router.route().failureHandler(ErrorResponses::handle);
    // Nothing matched (a missing file, a SockJS transport that is off): the API's error shape, not vertx-web's HTML.
    router.errorHandler(404, ErrorResponses::handle);

    HttpServerOptions options = new HttpServerOptions()
      .setHost(config.httpHost())
      .setPort(config.httpPort())
      .setCompressionSupported(true)
      .setMaxWebSocketFrameSize((int) Math.min(Integer.MAX_VALUE, config.maxBodyBytes()))
      .setMaxWebSocketMessageSize((int) Math.min(Integer.MAX_VALUE, config.maxBodyBytes()));
    Future<HttpServer> managed = ops == router ? Future.succeededFuture() : vertx.createHttpServer(new HttpServerOptions()
        .setHost(config.managementHost()).setPort(config.managementPort()))
      .requestHandler(ops).listen().onSuccess(s -> management = s);
    return managed.compose(m -> vertx.createHttpServer(options).requestHandler(router).listen()).onSuccess(s -> {
      server = s;
      node.httpPortBound(s.actualPort());
    });
  }

  /**
   * Lets in-flight requests finish and answers them, then tells connected clients to reconnect, then
   * stops the HTTP server (which lets in-flight REST calls finish within the same grace period).
   */
  @Override
  public Future<?> stop() {
    Future<Void> bridgeClosed = bridge == null ? Future.succeededFuture() : bridge.drainAndClose(config.shutdownGraceMs());
    return bridgeClosed
      .compose(v -> server == null ? Future.succeededFuture() : server.shutdown(config.shutdownGraceMs(), TimeUnit.MILLISECONDS))
      .compose(v -> management == null ? Future.succeededFuture() : management.close())
      // What clients were handed before the end is still reported; a failed report only leaves a tick unshown.
      .compose(v -> delivered == null ? Future.succeededFuture() : delivered.flush().recover(err -> Future.succeededFuture()))
      // Leaving presence now (others see these users offline at once) rather than at the entries' deadline.
      .compose(v -> live == null ? Future.succeededFuture() : live.close().recover(err -> Future.succeededFuture()))
      .compose(v -> Future.all(fanout.close(), mongo.close(), limiter.close(),
        attachments == null ? Future.succeededFuture() : attachments.close(),
        redis == null ? Future.succeededFuture() : redis.close()));
  }
}
