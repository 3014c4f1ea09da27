package io.parley.gateway.ops;

import io.parley.common.Concern;
import io.parley.common.NodeInfo;
import io.parley.config.ParleyConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.Router;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** {@code /health} (is this process serving) and {@code /health/detailed} (can it do its job: store, Redis, concerns). */
public final class HealthRoutes {

  private static final long CHECK_TIMEOUT_MS = 2000;

  private HealthRoutes() {
  }

  /** {@code /health} on {@code router}; {@code /health/detailed} on {@code ops} (the same router unless a management port is set). */
  public static void mount(Vertx vertx, Router router, Router ops, NodeInfo node, ParleyConfig config, MongoClient mongo,
                           Redis redis, Supplier<Integer> connections, Supplier<Future<JsonObject>> scanner) {
    HealthCheckHandler liveness = HealthCheckHandler.create(vertx)
      .register("http", promise -> promise.complete(Status.OK()));
    HealthCheckHandler detailed = HealthCheckHandler.create(vertx)
      // The ping ends before the check's own timeout: a store that does not answer is DOWN (503), not a
      // failed check (500).
      .register("mongo", CHECK_TIMEOUT_MS, promise -> mongo.runCommand("ping", new JsonObject().put("ping", 1))
        .timeout(CHECK_TIMEOUT_MS * 3 / 4, TimeUnit.MILLISECONDS)
        .onSuccess(ok -> promise.complete(Status.OK()))
        .onFailure(err -> promise.complete(Status.KO(new JsonObject().put("error", err.getClass().getSimpleName())))))
      .register("bridge", promise -> promise.complete(Status.OK(new JsonObject().put("connections", connections.get()))));
    if (redis != null) {
      detailed.register("redis", CHECK_TIMEOUT_MS, promise -> redis.send(Request.cmd(Command.PING))
        .onSuccess(ok -> promise.complete(Status.OK()))
        .onFailure(err -> promise.complete(Status.KO(new JsonObject().put("error", err.getClass().getSimpleName())))));
    }
    // Scanning off is healthy (and said so); scanning on with clamd silent is DOWN: uploads are refused.
    detailed.register("scanner", CHECK_TIMEOUT_MS, promise -> scanner.get()
      .timeout(CHECK_TIMEOUT_MS * 3 / 4, TimeUnit.MILLISECONDS)
      .onSuccess(state -> promise.complete(Status.OK(state)))
      .onFailure(err -> promise.complete(Status.KO(new JsonObject().put("scanning", "on").put("error", String.valueOf(err.getMessage()))))));
    detailed.register("node", promise -> promise.complete(Status.OK(describe(vertx, node, config))));
    for (Concern concern : Concern.values()) {
      if (concern.servesBus()) {
        detailed.register("eventbus/" + concern.key(), CHECK_TIMEOUT_MS, promise -> ping(vertx, concern.pingAddress(), promise));
      }
    }
    router.get("/health").handler(liveness);
    ops.get("/health/detailed").handler(new OpsToken(config.opsToken())).handler(detailed);
  }

  /** This node's role (the concerns it runs) and, when clustered, the members it sees. */
  private static JsonObject describe(Vertx vertx, NodeInfo node, ParleyConfig config) {
    JsonArray roles = new JsonArray();
    for (Concern concern : List.of(Concern.GATEWAY, Concern.AUTH, Concern.ROOMS, Concern.ATTACHMENTS, Concern.DELIVERY)) {
      if (config.instances(concern) > 0) {
        roles.add(concern.key());
      }
    }
    JsonObject described = new JsonObject()
      .put("nodeId", node.nodeId())
      .put("roles", roles)
      .put("clustered", vertx.isClustered());
    List<String> members = node.members();
    return members == null ? described : described.put("members", new JsonArray(members));
  }

  /** A concern is up when one of its instances, anywhere on the bus, answers. */
  private static void ping(Vertx vertx, String address, Promise<Status> promise) {
    vertx.eventBus().request(address, new JsonObject(), new DeliveryOptions().setSendTimeout(CHECK_TIMEOUT_MS))
      .onSuccess(ok -> promise.complete(Status.OK()))
      .onFailure(err -> promise.complete(Status.KO(new JsonObject().put("error", err.getMessage()))));
  }
}
