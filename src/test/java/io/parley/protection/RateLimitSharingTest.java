package io.parley.protection;

import io.parley.testing.LogCapture;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RedisProcess;
import io.parley.testing.Rest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes that share only Redis (as a cluster's nodes do) share one bucket per subject: sign-ins from
 * one address are counted together whichever node takes them. With Redis killed, each node decides
 * alone at once (answers stay fast, limits stay in force, per node) and says so once in its log; with
 * Redis back, the buckets are shared again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RateLimitSharingTest {

  @RegisterExtension
  @Order(1)
  final RedisProcess redis = new RedisProcess();

  @RegisterExtension
  @Order(2)
  final ParleyNodeExtension nodeA = ParleyNodeExtension.inProcess().withMetrics().with(this::shared);

  @RegisterExtension
  @Order(3)
  final ParleyNodeExtension nodeB = ParleyNodeExtension.inProcess().with(this::shared);

  private JsonObject shared() {
    return new JsonObject()
      .put("redis", new JsonObject().put("connection_string", redis.url()))
      .put("limits", new JsonObject().put("rates", new JsonObject()
        .put("auth_per_address", new JsonObject().put("burst", 6).put("per_minute", 1))));
  }

  @Test
  void one_address_has_one_bucket_across_nodes_and_each_node_falls_back_to_its_own_while_redis_is_down() throws Exception {
    // Shared: 6 sign-ins in all, 3 through each node, then both refuse.
    assertEquals(List.of(401, 401, 401, 401, 401, 401, 429, 429), alternate(8));

    redis.kill();
    try (LogCapture log = LogCapture.start()) {
      long started = System.nanoTime();
      // Alone: each node has a fresh bucket of 6 of its own, and still refuses past it.
      List<Integer> down = alternate(14);
      long perRequestMs = (System.nanoTime() - started) / 1_000_000 / 14;
      assertEquals(List.of(401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 429, 429), down);
      assertTrue(perRequestMs < 500, "no request waits on the dead Redis for long: " + perRequestMs + " ms each");
      long warnings = log.stop().stream().filter(e -> LogCapture.rendered(e).contains("rate limits are this node's own")).count();
      // Per node, the gateway (per address) and auth (per account) each hold a limiter; each says it once.
      assertEquals(4, warnings, "each limiter says once that it decides alone");
    }
    assertTrue(nodeA.metric("parley_rate_limit_fallbacks_total") >= 1, "an operator sees the fallback");

    redis.start(); // empty: the shared buckets start full again
    Thread.sleep(1200); // past the back-off before a node asks Redis again
    assertEquals(List.of(401, 401, 401, 401, 401, 401, 429, 429), alternate(8));
  }

  /** {@code n} wrong-password logins from 127.0.0.1, alternating between the nodes; their statuses. */
  private List<Integer> alternate(int n) throws Exception {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Rest rest = (i % 2 == 0 ? nodeA : nodeB).rest();
      statuses.add(await(rest.post("/auth/login", null,
        new JsonObject().put("tenant", "acme").put("username", "nobody").put("password", "wrong-password"))).statusCode());
    }
    return statuses;
  }
}
