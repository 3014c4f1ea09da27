package io.parley.gateway.bridge;

import io.parley.auth.api.AccessTokens;
import io.parley.common.Meters;
import io.parley.fanout.EventFanout;
import io.parley.gateway.receipts.DeliveredPositions;
import io.parley.live.Live;
import io.parley.ratelimit.Rate;
import io.parley.ratelimit.RateLimiter;
import io.parley.ratelimit.RateLimits;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The browser endpoint at {@code /eventbus}: SockJS from vertx-web, the bridge protocol from
 * {@link BridgeConnection}. The stock vertx-web bridge is not used because its REGISTER creates an
 * event-bus consumer per connection, which is cluster-wide state once the bus is clustered; here a
 * registration is an entry in this instance's {@link ClientRegistry}.
 */
public final class BridgeServer {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeServer.class);
  /** A client that sent nothing (the JS client pings every 5 s) for this long is gone. */
  private static final long SILENCE_LIMIT_MS = 60_000;
  private static final long SWEEP_INTERVAL_MS = 5_000;

  private final Vertx vertx;
  private final ClientRegistry registry;
  private final AccessTokens tokens;
  private final BridgeSettings settings;
  private final Clock clock;
  private final Set<BridgeConnection> open = new HashSet<>();
  private final UserRequests userRequests = new UserRequests();
  private final RateLimiter limiter;
  private final Rate sendsPerUser;
  private final DeliveredPositions delivered;
  private final LiveRequests live;
  private final long sweeper;

  public BridgeServer(Vertx vertx, AccessTokens tokens, EventFanout fanout, BridgeSettings settings, RateLimiter limiter,
                      RateLimits rates, DeliveredPositions delivered, Live live, Clock clock) {
    this.vertx = vertx;
    this.limiter = limiter;
    this.sendsPerUser = rates.sendsPerUser();
    this.tokens = tokens;
    this.delivered = delivered;
    this.registry = new ClientRegistry(vertx, fanout, settings.connectionsPerUser(), delivered);
    this.live = new LiveRequests(live, registry, limiter, rates.typingPerUser());
    this.settings = settings;
    this.clock = clock;
    this.sweeper = vertx.setPeriodic(SWEEP_INTERVAL_MS, t -> sweep());
    Meters.registry().gauge("parley_bridge_queued_bytes", ClientOutbox.QUEUED);
    Meters.registry().gauge("parley_bridge_requests_in_flight", RequestAdmission.IN_FLIGHT);
    ClientOutbox.shed();
  }

  public Router router() {
    SockJSHandlerOptions options = new SockJSHandlerOptions()
      // JSONP polling (for browsers without XHR CORS, IE 7 and older) would take form bodies and inject
      // callbacks into scripts: off. sockjs-client then uses websocket, xhr-streaming, eventsource, xhr-polling.
      .addDisabledTransport(Transport.JSON_P.name())
      .setInsertJSESSIONID(false)
      // vertx-web's sessions (xhr-streaming, eventsource, htmlfile, xhr-polling) send "h" this often;
      // SockJS's WebSocket transport is Parley's own (see upgradeSession) and is given the same interval.
      .setHeartbeatInterval(settings.heartbeatMs())
      .setLibraryURL("/vendor/sockjs.min.js");
    return SockJSHandler.create(vertx, options).socketHandler(socket -> accept(ClientSocket.of(socket)));
  }

  /**
   * {@code GET /eventbus/websocket}, mounted before {@link #router()}: the raw WebSocket endpoint with
   * strict UTF-8 ({@link RawWebSocket}); other methods still reach the SockJS router's 405.
   */
  public void upgradeRaw(RoutingContext ctx) {
    if (!ctx.request().canUpgradeToWebSocket()) {
      ctx.response().setStatusCode(400).end("Can \"Upgrade\" only to \"WebSocket\".");
      return;
    }
    ctx.request().toWebSocket()
      .onSuccess(ws -> accept(new RawWebSocket(ws, settings.maxFrameBytes())))
      .onFailure(ctx::fail);
  }

  /**
   * {@code GET /eventbus/<server>/<session>/websocket}, mounted before {@link #router()}: SockJS's
   * WebSocket transport with strict UTF-8 ({@link SockJsWebSocket}).
   */
  public void upgradeSession(RoutingContext ctx) {
    if (!ctx.request().canUpgradeToWebSocket()) {
      ctx.response().setStatusCode(400).end("Can \"Upgrade\" only to \"WebSocket\".");
      return;
    }
    ctx.request().toWebSocket()
      .onSuccess(ws -> accept(new SockJsWebSocket(vertx, ws, settings.maxFrameBytes(), settings.heartbeatMs())))
      .onFailure(ctx::fail);
  }

  private void accept(ClientSocket socket) {
    open.add(new BridgeConnection(vertx, socket, new ConnectionAuth(tokens, clock), registry, settings,
      new RequestAdmission(settings, userRequests, limiter, sendsPerUser), delivered, live, open::remove));
  }

  public int connections() {
    return open.size();
  }

  /**
   * Refuses new requests, waits (up to {@code graceMs}) until every request already forwarded has been
   * answered, then closes every connection with a code that tells clients to reconnect and sync.
   */
  public Future<Void> drainAndClose(long graceMs) {
    vertx.cancelTimer(sweeper);
    open.forEach(BridgeConnection::drain);
    Promise<Void> drained = Promise.promise();
    long deadline = System.currentTimeMillis() + graceMs;
    awaitAnswers(drained, deadline);
    return drained.future().onComplete(v -> {
      int unanswered = open.stream().mapToInt(BridgeConnection::inFlight).sum();
      List.copyOf(open).forEach(c -> c.close(CloseCodes.RESTARTING, "server restarting; reconnect"));
      LOG.info("closed all bridge connections for shutdown ({} requests left unanswered)", unanswered);
    });
  }

  private void awaitAnswers(Promise<Void> drained, long deadline) {
    if (open.stream().allMatch(c -> c.inFlight() == 0) || System.currentTimeMillis() > deadline) {
      drained.complete();
    } else {
      vertx.setTimer(10, t -> awaitAnswers(drained, deadline));
    }
  }

  /**
   * Closes silent connections, and registered ones whose user no longer holds a valid access token
   * (see {@link ConnectionAuth#lapsed()}): a logged-out user stops receiving within one token lifetime.
   */
  private void sweep() {
    long now = System.currentTimeMillis();
    for (BridgeConnection connection : List.copyOf(open)) {
      if (connection.lastSeen() < now - SILENCE_LIMIT_MS) {
        connection.close(CloseCodes.SILENT, "no ping");
      } else if (connection.tokenLapsed()) {
        connection.close(CloseCodes.TOKEN_EXPIRED, "access token expired; refresh, reconnect and sync");
      }
    }
  }
}
