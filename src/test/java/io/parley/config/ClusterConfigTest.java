package io.parley.config;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A cluster is refused at start unless every node can share the store, the fan-out and the token secret. */
class ClusterConfigTest {

  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private JsonObject complete() {
    return new JsonObject()
      .put("mongo", new JsonObject().put("connection_string", "mongodb://db1,db2/?replicaSet=rs0"))
      .put("redis", new JsonObject().put("connection_string", "redis://redis:6379"))
      .put("auth", new JsonObject().put("jwt_secret", "0123456789abcdef0123456789abcdef"))
      .put("cluster", new JsonObject().put("enabled", true).put("members", new JsonArray().add("10.0.0.1:5701")));
  }

  @Test
  void a_complete_cluster_config_loads() throws Exception {
    ParleyConfig config = load(complete());
    assertTrue(config.clustered());
    assertEquals("tcp", config.cluster().getString("join"));
  }

  @Test
  void each_missing_shared_piece_is_named() {
    assertRefused(complete().put("mongo", new JsonObject().put("connection_string", "")), "mongo.connection_string");
    assertRefused(complete().put("redis", new JsonObject().put("connection_string", "")), "redis.connection_string");
    assertRefused(complete().put("auth", new JsonObject().put("jwt_secret", "")), "auth.jwt_secret");
    assertRefused(complete().put("cluster", new JsonObject().put("enabled", true).put("members", new JsonArray())), "cluster.members");
    assertRefused(complete().put("cluster", new JsonObject().put("enabled", true).put("join", "kubernetes")), "cluster.kubernetes_service");
  }

  @Test
  void bad_cluster_values_are_named() {
    assertRefused(complete().put("cluster", new JsonObject().put("enabled", "yes")), "cluster.enabled");
    assertRefused(complete().put("cluster", new JsonObject().put("enabled", true).put("join", "gossip")), "cluster.join");
    assertRefused(complete().put("cluster", new JsonObject().put("enabled", true).put("members", new JsonArray().add(5701))), "cluster.members");
    assertRefused(complete().put("redis", new JsonObject().put("connection_string", "http://redis")), "redis.connection_string");
  }

  @Test
  void members_from_the_environment_become_a_list() throws Exception {
    JsonObject merged = defaults()
      .put("PARLEY_CLUSTER_MEMBERS", "10.0.0.1:5701,10.0.0.2:5701")
      .put("PARLEY_CLUSTER_ENABLED", "true");
    JsonObject tree = EnvOverrides.apply(merged);
    assertEquals(new JsonArray().add("10.0.0.1:5701").add("10.0.0.2:5701"), tree.getJsonObject("cluster").getJsonArray("members"));
    assertEquals(true, tree.getJsonObject("cluster").getBoolean("enabled"));
  }

  private ParleyConfig load(JsonObject overrides) throws Exception {
    return ConfigLoader.load(vertx, null, overrides).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void assertRefused(JsonObject overrides, String key) {
    ExecutionException failure = assertThrows(ExecutionException.class, () -> load(overrides));
    assertInstanceOf(ConfigException.class, failure.getCause());
    assertTrue(failure.getCause().getMessage().startsWith("config " + key + ":"), failure.getCause().getMessage());
  }

  /** The bundled defaults, as the file store reads them. */
  private static JsonObject defaults() throws Exception {
    try (var in = ClusterConfigTest.class.getClassLoader().getResourceAsStream(ConfigLoader.DEFAULTS)) {
      return new JsonObject(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }
  }
}
