package io.parley.live;

import io.parley.common.RedisScript;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;

/**
 * Presence in Redis for a cluster: {@code presence.lua}, one round trip per change. The script's keys are built from
 * its arguments (a sweep finds them in the deadlines), so it suits a single Redis, not Redis Cluster.
 */
final class RedisPresence implements PresenceStore {

  private static final RedisScript SCRIPT = RedisScript.of(RedisPresence.class, "presence.lua");

  private final Redis redis;

  RedisPresence(Redis redis) {
    this.redis = redis;
  }

  /**
   * The client presence needs: every connect and disconnect is a command, so a connect storm has hundreds in
   * flight at once. The client's default pool (6 connections, 24 waiting) failed the rest with
   * ConnectionPoolTooBusyException, leaving those users offline until the next heartbeat and the ones who
   * left online until their TTL ran out; sized as the fan-out's publisher is.
   */
  static Redis client(Vertx vertx, String connectionString) {
    return Redis.createClient(vertx, new RedisOptions().setConnectionString(connectionString)
      .setMaxPoolSize(8).setMaxPoolWaiting(4096).setMaxWaitingHandlers(4096));
  }

  @Override
  public Future<List<PresenceChange>> put(String instance, List<Held> users, long now, long deadline) {
    List<String> args = new ArrayList<>(List.of("put", Long.toString(now), Long.toString(deadline), instance));
    for (Held user : users) {
      args.addAll(List.of(user.tenant(), user.userId(), user.username(), user.activity()));
    }
    return run(args).map(RedisPresence::changes);
  }

  @Override
  public Future<PresenceChange> drop(String instance, String tenant, String userId, long now) {
    return run(List.of("drop", Long.toString(now), instance, tenant, userId)).map(r -> changes(r).get(0));
  }

  @Override
  public Future<PresenceChange> away(String tenant, String userId, boolean away) {
    return run(List.of("away", tenant, userId, away ? "1" : "0")).map(r -> changes(r).get(0));
  }

  @Override
  public Future<List<PresenceChange>> sweep(long now, int limit) {
    return run(List.of("sweep", Long.toString(now), Integer.toString(limit))).map(RedisPresence::changes);
  }

  @Override
  public Future<JsonObject> states(String tenant, List<String> userIds) {
    if (userIds.isEmpty()) {
      return Future.succeededFuture(new JsonObject());
    }
    List<String> args = new ArrayList<>(List.of("get"));
    userIds.forEach(id -> args.addAll(List.of(tenant, id)));
    return run(args).map(response -> {
      JsonObject states = new JsonObject();
      for (Response row : response) {
        states.put(row.get(0).toString(), new JsonObject().put("state", row.get(1).toString())
          .put("lastSeenAt", row.get(2).toLong()));
      }
      return states;
    });
  }

  private static List<PresenceChange> changes(Response response) {
    List<PresenceChange> changes = new ArrayList<>();
    for (Response row : response) {
      changes.add(new PresenceChange(row.get(0).toString(), row.get(1).toString(), row.get(5).toString(),
        row.get(2).toString(), row.get(3).toString(), row.get(4).toLong()));
    }
    return changes;
  }

  private Future<Response> run(List<String> args) {
    return SCRIPT.run(redis, List.of(), args);
  }
}
