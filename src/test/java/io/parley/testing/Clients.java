package io.parley.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The clients one test opens (REST, bridge, resilient), all on one Vert.x, closed together when the test
 * ends — before the servers they talk to stop, so a shutdown never waits on a test's open sockets.
 */
public final class Clients {

  private final Vertx vertx;
  private final List<Supplier<Future<?>>> closers = new CopyOnWriteArrayList<>();

  public Clients(Vertx vertx) {
    this.vertx = vertx;
  }

  public Vertx vertx() {
    return vertx;
  }

  public Rest rest(int port) {
    Rest rest = new Rest(vertx, port);
    closers.add(() -> {
      rest.close();
      return Future.succeededFuture();
    });
    return rest;
  }

  /** A plain HTTP client, for what is not the API (health, metrics, the web page, SockJS polling). */
  public WebClient web() {
    return web(new WebClientOptions(), new PoolOptions());
  }

  public WebClient web(WebClientOptions options, PoolOptions pool) {
    WebClient web = WebClient.create(vertx, options, pool);
    closers.add(() -> {
      web.close();
      return Future.succeededFuture();
    });
    return web;
  }

  /** A bridge connection on the raw WebSocket endpoint, not yet authenticated or registered. */
  public Future<BridgeClient> bridge(int port) {
    return track(BridgeClient.connect(vertx, port));
  }

  /** A bridge connection on a fresh SockJS session URL. */
  public Future<BridgeClient> session(int port) {
    return track(BridgeClient.connectSession(vertx, port));
  }

  /** A bridge connection with {@code session}'s inbox registered. */
  public Future<BridgeClient> online(int port, JsonObject session) {
    return bridge(port).compose(client -> client.register(session).map(client));
  }

  public Future<ResilientClient> resilient(int port, JsonObject session, String conversationId) {
    return ResilientClient.start(vertx, port, session, conversationId).onSuccess(client -> closers.add(client::stop));
  }

  /** Closes every client opened so far; fails with the first failure, after trying all. */
  public Future<Void> closeAll() {
    List<Future<?>> closing = closers.stream().<Future<?>>map(Supplier::get).toList();
    closers.clear();
    return Future.join(closing).mapEmpty();
  }

  private Future<BridgeClient> track(Future<BridgeClient> connecting) {
    return connecting.onSuccess(client -> closers.add(client::close));
  }
}
