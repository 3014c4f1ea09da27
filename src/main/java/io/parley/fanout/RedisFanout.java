package io.parley.fanout;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * Conversation events between instances over Redis pub/sub. Publishing uses a pooled client; each
 * instance holds one subscriber connection for exactly the channels its local clients need. When that
 * connection is lost it reconnects with backoff, resubscribes everything, and reports a gap: events
 * published meanwhile are gone from pub/sub (MongoDB still has them), so clients must sync.
 */
public final class RedisFanout implements EventFanout {

  private static final Logger LOG = LoggerFactory.getLogger(RedisFanout.class);
  static final String PREFIX = "parley:";
  private static final long MAX_BACKOFF_MS = 2000;

  private final Vertx vertx;
  private final RedisOptions options;
  private final Redis publisher;
  /** Subscribed channels, each with the moment its subscription took effect. */
  private final Map<String, Future<Void>> channels = new HashMap<>();
  /** Subscriptions sent and not yet confirmed by Redis. */
  private final Map<String, Promise<Void>> confirming = new HashMap<>();
  private BiConsumer<String, JsonObject> handler = (channel, event) -> { };
  /** Everyone who must catch up after a gap: the bridge's clients, presence (each is added once at start). */
  private final List<Runnable> gapHandlers = new CopyOnWriteArrayList<>();
  private Redis subscriberClient;
  private RedisConnection subscriber;
  private boolean connecting;
  private boolean everConnected;
  private boolean closed;
  private long backoffMs = 50;
  /** Completes when the current (re)connection has resubscribed everything; renewed when one is lost. */
  private Promise<Void> connected = Promise.promise();

  public RedisFanout(Vertx vertx, String connectionString) {
    this.vertx = vertx;
    this.options = new RedisOptions().setConnectionString(connectionString).setMaxWaitingHandlers(4096);
    this.publisher = Redis.createClient(vertx, new RedisOptions(options).setMaxPoolSize(8).setMaxPoolWaiting(1024));
  }

  @Override
  public Future<Void> publish(String channel, JsonObject event) {
    return publisher.send(Request.cmd(Command.PUBLISH).arg(PREFIX + channel).arg(event.encode())).mapEmpty();
  }

  @Override
  public Future<Void> subscribe(String channel) {
    Future<Void> known = channels.get(channel);
    if (known != null) {
      return known;
    }
    Future<Void> effective;
    if (subscriber == null) {
      connect();
      effective = connected.future();
    } else {
      effective = subscribeOn(subscriber, List.of(channel));
    }
    channels.put(channel, effective);
    return effective;
  }

  /**
   * Subscribes and completes once Redis confirms each channel. The client completes a pub/sub command
   * as soon as it is written; Redis's confirmation arrives later as a push, which {@link #onPush} matches.
   */
  private Future<Void> subscribeOn(RedisConnection connection, Collection<String> names) {
    Request subscribe = Request.cmd(Command.SUBSCRIBE);
    List<Future<Void>> confirmations = new ArrayList<>();
    for (String name : names) {
      subscribe.arg(PREFIX + name);
      confirmations.add(confirming.computeIfAbsent(name, n -> Promise.promise()).future());
    }
    connection.send(subscribe).onFailure(err -> lost(connection, err.toString()));
    return Future.all(confirmations).mapEmpty();
  }

  @Override
  public void unsubscribe(String channel) {
    if (channels.remove(channel) != null && subscriber != null) {
      subscriber.send(Request.cmd(Command.UNSUBSCRIBE).arg(PREFIX + channel))
        .onFailure(err -> LOG.debug("unsubscribe {} failed: {}", channel, err.toString()));
    }
  }

  @Override
  public void onEvent(BiConsumer<String, JsonObject> handler) {
    this.handler = handler;
  }

  @Override
  public void onGap(Runnable handler) {
    gapHandlers.add(handler);
  }

  @Override
  public Future<Void> close() {
    closed = true;
    channels.clear();
    Future<Void> sub = subscriberClient == null ? Future.succeededFuture() : subscriberClient.close();
    return Future.all(sub, publisher.close()).mapEmpty();
  }

  private void connect() {
    if (connecting || closed || subscriber != null) {
      return;
    }
    connecting = true;
    if (subscriberClient == null) {
      subscriberClient = Redis.createClient(vertx, options);
    }
    subscriberClient.connect().onComplete(ar -> {
      connecting = false;
      if (closed) {
        if (ar.succeeded()) {
          ar.result().close();
        }
        return;
      }
      if (ar.failed()) {
        LOG.warn("Redis fan-out unreachable ({}); retrying in {} ms", ar.cause().toString(), backoffMs);
        retryLater();
        return;
      }
      RedisConnection connection = ar.result();
      subscriber = connection;
      connection.handler(this::onPush);
      connection.exceptionHandler(err -> lost(connection, err.toString()));
      connection.endHandler(v -> lost(connection, "connection closed"));
      backoffMs = 50;
      Promise<Void> ready = connected;
      resubscribeAll(connection).onComplete(ar2 -> {
        if (ar2.failed()) {
          lost(connection, ar2.cause().toString());
          return;
        }
        ready.tryComplete();
        if (everConnected) {
          LOG.info("Redis fan-out reconnected; {} channels resubscribed", channels.size());
          gapHandlers.forEach(Runnable::run);
        }
        everConnected = true;
      });
    });
  }

  private Future<Void> resubscribeAll(RedisConnection connection) {
    if (channels.isEmpty()) {
      return Future.succeededFuture();
    }
    List<String> names = List.copyOf(channels.keySet());
    Future<Void> all = subscribeOn(connection, names);
    names.forEach(name -> channels.put(name, confirming.get(name).future()));
    return all;
  }

  private void lost(RedisConnection connection, String why) {
    if (subscriber != connection) {
      return;
    }
    subscriber = null;
    if (connected.future().isComplete()) {
      connected = Promise.promise();
    }
    confirming.values().forEach(p -> p.tryFail("Redis connection lost"));
    confirming.clear();
    connection.close();
    if (!closed) {
      LOG.warn("Redis fan-out connection lost ({}); reconnecting", why);
      retryLater();
    }
  }

  private void retryLater() {
    long delay = backoffMs;
    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    vertx.setTimer(delay, t -> connect());
  }

  /** Pub/sub pushes: [message, channel, payload] for events, [subscribe, channel, count] confirmations. */
  private void onPush(Response push) {
    // PUSH with RESP3 (Redis 6+), a plain array with RESP2.
    if (push == null || (push.type() != ResponseType.PUSH && push.type() != ResponseType.MULTI) || push.size() != 3) {
      return;
    }
    String kind = push.get(0).toString();
    String channel = push.get(1).toString();
    if (!channel.startsWith(PREFIX)) {
      return;
    }
    String name = channel.substring(PREFIX.length());
    if ("subscribe".equals(kind)) {
      Promise<Void> confirmation = confirming.remove(name);
      if (confirmation != null) {
        confirmation.tryComplete();
      }
      return;
    }
    if (!"message".equals(kind)) {
      return;
    }
    if (!channels.containsKey(name)) {
      return;
    }
    JsonObject event;
    try {
      event = new JsonObject(push.get(2).toString());
    } catch (RuntimeException e) {
      LOG.warn("ignoring a malformed fan-out event on {}", name);
      return;
    }
    handler.accept(name, event);
  }
}
