package io.parley.fanout;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;
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
  private final Set<String> channels = new HashSet<>();
  private BiConsumer<String, JsonObject> handler = (channel, event) -> { };
  private Runnable gapHandler = () -> { };
  private Redis subscriberClient;
  private RedisConnection subscriber;
  private boolean connecting;
  private boolean everConnected;
  private boolean closed;
  private long backoffMs = 50;

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
  public void subscribe(String channel) {
    if (!channels.add(channel)) {
      return;
    }
    if (subscriber != null) {
      subscriber.send(Request.cmd(Command.SUBSCRIBE).arg(PREFIX + channel))
        .onFailure(err -> LOG.debug("subscribe {} failed, the reconnect will resubscribe: {}", channel, err.toString()));
    } else {
      connect();
    }
  }

  @Override
  public void unsubscribe(String channel) {
    if (channels.remove(channel) && subscriber != null) {
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
    this.gapHandler = handler;
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
      resubscribeAll(connection);
      backoffMs = 50;
      if (everConnected) {
        LOG.info("Redis fan-out reconnected; {} channels resubscribed", channels.size());
        gapHandler.run();
      }
      everConnected = true;
    });
  }

  private void resubscribeAll(RedisConnection connection) {
    if (channels.isEmpty()) {
      return;
    }
    Request subscribe = Request.cmd(Command.SUBSCRIBE);
    channels.forEach(channel -> subscribe.arg(PREFIX + channel));
    connection.send(subscribe).onFailure(err -> lost(connection, err.toString()));
  }

  private void lost(RedisConnection connection, String why) {
    if (subscriber != connection) {
      return;
    }
    subscriber = null;
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

  /** Pub/sub pushes arrive as [message, channel, payload]; subscribe confirmations are ignored. */
  private void onPush(Response push) {
    if (push.size() != 3 || !"message".equals(push.get(0).toString())) {
      return;
    }
    String channel = push.get(1).toString();
    if (!channel.startsWith(PREFIX)) {
      return;
    }
    String name = channel.substring(PREFIX.length());
    if (!channels.contains(name)) {
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
