package io.parley.fanout;

import io.parley.config.ParleyConfig;
import io.vertx.core.Vertx;

/** Chooses the fan-out transport for this node's configuration. */
public final class Fanouts {

  private Fanouts() {
  }

  /** Redis pub/sub when {@code redis.connection_string} is set, else the single-node in-process bridge. */
  public static EventFanout create(Vertx vertx, ParleyConfig config) {
    String redis = config.redisConnectionString();
    return redis.isBlank() ? new InProcessFanout(vertx) : new RedisFanout(vertx, redis);
  }
}
