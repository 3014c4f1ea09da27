package io.parley.live;

import io.parley.config.ParleyConfig;
import io.parley.fanout.EventFanout;
import io.parley.rooms.api.RoomsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;

import java.time.Clock;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Live signals for one gateway instance: its {@link PresenceTracker} (null with {@code live.presence}
 * off) and its {@link TypingSignals}. Presence is kept in Redis when the node has one (every cluster),
 * else in this node's memory, shared by its gateway instances.
 */
public final class Live {

  private static final Map<Vertx, LocalPresence> LOCAL = new WeakHashMap<>();

  private final PresenceTracker presence;
  private final TypingSignals typing;
  private final Redis redis;

  private Live(PresenceTracker presence, TypingSignals typing, Redis redis) {
    this.presence = presence;
    this.typing = typing;
    this.redis = redis;
  }

  public static Live create(Vertx vertx, ParleyConfig config, EventFanout fanout, RoomsClient rooms) {
    LiveSettings settings = LiveSettings.of(config);
    Clock clock = Clock.systemUTC();
    TypingSignals typing = new TypingSignals(vertx, fanout, settings, clock);
    if (!settings.presence()) {
      return new Live(null, typing, null);
    }
    Redis redis = config.redisConnectionString().isBlank() ? null : RedisPresence.client(vertx, config.redisConnectionString());
    PresenceStore store;
    if (redis != null) {
      store = new RedisPresence(redis);
    } else {
      synchronized (LOCAL) {
        store = LOCAL.computeIfAbsent(vertx, v -> new LocalPresence());
      }
    }
    PresenceTracker tracker = new PresenceTracker(vertx, store, fanout, rooms, settings, clock);
    tracker.start();
    return new Live(tracker, typing, redis);
  }

  /** Null when presence is off. */
  public PresenceTracker presence() {
    return presence;
  }

  public TypingSignals typing() {
    return typing;
  }

  public Future<Void> close() {
    Future<Void> stopped = presence == null ? Future.succeededFuture() : presence.stop();
    return stopped.compose(v -> redis == null ? Future.succeededFuture() : redis.close());
  }
}
