package io.parley.gateway.bridge;

import io.parley.auth.AccessTokens;
import io.parley.fanout.EventFanout;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

  private final Vertx vertx;
  private final ClientRegistry registry;
  private final AccessTokens tokens;
  private final long requestTimeoutMs;
  private final java.util.Set<BridgeConnection> open = new java.util.HashSet<>();
  private final long sweeper;

  public BridgeServer(Vertx vertx, AccessTokens tokens, EventFanout fanout, long requestTimeoutMs) {
    this.vertx = vertx;
    this.tokens = tokens;
    this.registry = new ClientRegistry(fanout);
    this.requestTimeoutMs = requestTimeoutMs;
    this.sweeper = vertx.setPeriodic(SILENCE_LIMIT_MS / 4, t -> closeSilent());
  }

  public Router router() {
    SockJSHandlerOptions options = new SockJSHandlerOptions()
      .setInsertJSESSIONID(false)
      .setLibraryURL("/vendor/sockjs.min.js");
    return SockJSHandler.create(vertx, options).socketHandler(socket -> {
      open.add(new BridgeConnection(vertx, socket, tokens, registry, requestTimeoutMs, open::remove));
    });
  }

  public int connections() {
    return open.size();
  }

  /** Closes every connection with a code that tells clients to reconnect (elsewhere) and sync. */
  public void closeAll() {
    vertx.cancelTimer(sweeper);
    java.util.List.copyOf(open).forEach(c -> c.close(BridgeConnection.CLOSE_RESTARTING, "server restarting; reconnect"));
    LOG.info("closed all bridge connections for shutdown");
  }

  private void closeSilent() {
    long limit = System.currentTimeMillis() - SILENCE_LIMIT_MS;
    java.util.List.copyOf(open).stream().filter(c -> c.lastSeen() < limit).forEach(c -> c.close(1001, "no ping"));
  }
}
