package io.parley.gateway;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Health, metrics, security headers, the web page, and graceful shutdown as an operator sees them. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 40, timeUnit = TimeUnit.SECONDS)
class OperationsTest {

  /** Metrics are configured when Vert.x is created, as Main does: the extension's Vert.x has them. */
  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess().withMetrics().manual();

  @Test
  void health_metrics_headers_and_webroot(VertxTestContext ctx) {
    node.start(new JsonObject()).compose(started -> {
      WebClient web = node.clients().web();
      Rest rest = node.rest();
      return rest.user("acme", "alice")
        .compose(alice -> rest.createConversation(alice.getString("accessToken"), new JsonObject().put("type", "room").put("name", "ops"))
          .compose(room -> rest.send(alice.getString("accessToken"), room.getString("id"), "m1", "counted")))
        .compose(sent -> Future.all(
          web.get(node.port(), "127.0.0.1", "/health").send(),
          web.get(node.port(), "127.0.0.1", "/health/detailed").send(),
          web.get(node.port(), "127.0.0.1", "/metrics").send(),
          web.get(node.port(), "127.0.0.1", "/").send(),
          web.get(node.port(), "127.0.0.1", "/vendor/vertx-eventbus.js").send()))
        .map(all -> {
          HttpResponse<Buffer> health = all.resultAt(0);
          HttpResponse<Buffer> detailed = all.resultAt(1);
          HttpResponse<Buffer> metrics = all.resultAt(2);
          HttpResponse<Buffer> page = all.resultAt(3);
          HttpResponse<Buffer> client = all.resultAt(4);
          ctx.verify(() -> {
            assertEquals(200, health.statusCode(), health.bodyAsString());
            assertEquals("UP", health.bodyAsJsonObject().getString("status"));
            assertEquals(200, detailed.statusCode(), detailed.bodyAsString());
            JsonArray checks = detailed.bodyAsJsonObject().getJsonArray("checks");
            List<String> up = new ArrayList<>();
            checks.forEach(c -> up.add(((JsonObject) c).getString("id") + "=" + ((JsonObject) c).getString("status")));
            assertTrue(up.contains("mongo=UP"), up.toString());
            assertTrue(up.contains("eventbus=UP"), up.toString());
            String scrape = metrics.bodyAsString();
            assertEquals(200, metrics.statusCode(), "metrics");
            assertTrue(scrape.contains("parley_messages_stored_total 1.0"), "messages-in counter");
            assertTrue(scrape.contains("parley_events_delivered_total"), "messages-out counter");
            assertTrue(scrape.contains("parley_bridge_clients"), "connections gauge");
            assertTrue(scrape.contains("vertx_http_server_response_time_seconds"), "request latency");
            assertEquals(200, page.statusCode(), page.bodyAsString());
            assertEquals("nosniff", page.getHeader("X-Content-Type-Options"));
            assertEquals("DENY", page.getHeader("X-Frame-Options"));
            assertNotNull(page.getHeader("Content-Security-Policy"));
            assertEquals(200, client.statusCode(), "the official client is served from the jar, not a CDN");
          });
          return all;
        });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void shutdown_finishes_accepted_sends_and_tells_clients_to_reconnect(VertxTestContext ctx) {
    node.start(new JsonObject()).compose(started -> {
      Rest rest = node.rest();
      return rest.user("acme", "alice").compose(alice -> rest.createConversation(alice.getString("accessToken"),
          new JsonObject().put("type", "room").put("name", "bye"))
        .compose(room -> node.online(alice).compose(client -> {
          String id = room.getString("id");
          List<Future<JsonObject>> sends = new ArrayList<>();
          for (int i = 0; i < 20; i++) {
            sends.add(client.send(id, "late-" + i, "in flight " + i));
          }
          // Stop once the first is acked, the rest still in flight; restart on the same data to see what was kept.
          return sends.get(0).compose(first -> node.stop())
            .compose(v -> Future.join(sends).otherwise(f -> null))
            .compose(v -> client.closedFuture())
            .compose(closeCode -> node.restart().compose(again -> {
              Rest rest2 = node.rest();
              return rest2.history(alice.getString("accessToken"), id, "after=0&limit=100").map(history -> {
                ctx.verify(() -> {
                  assertEquals((short) 4000, closeCode, "clients get the reconnect close code");
                  List<String> stored = new ArrayList<>();
                  history.getJsonArray("messages").forEach(m -> stored.add(((JsonObject) m).getString("clientMsgId")));
                  int acked = 0;
                  for (int i = 0; i < sends.size(); i++) {
                    if (sends.get(i).succeeded()) {
                      acked++;
                      assertTrue(stored.contains("late-" + i), "acked send late-" + i + " is stored");
                    } else {
                      // Not acked: refused while draining, or still on the wire when the socket closed.
                      // Never an internal error; the client resends it after reconnecting (below).
                      BridgeClient.BridgeError refused = (BridgeClient.BridgeError) sends.get(i).cause();
                      assertTrue(List.of("SERVICE_UNAVAILABLE", "CONNECTION_CLOSED").contains(refused.code()),
                        "late-" + i + ": " + refused.getMessage());
                    }
                  }
                  assertTrue(acked > 0, "some sends were accepted before the shutdown");
                  long expected = 1;
                  for (Object m : history.getJsonArray("messages")) {
                    assertEquals(expected++, ((JsonObject) m).getLong("seq"));
                  }
                });
                return null;
              }).compose(n -> {
                // The client resends whatever was not acked, with the same ids: each is stored exactly once.
                List<Future<JsonObject>> resends = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                  resends.add(rest2.send(alice.getString("accessToken"), id, "late-" + i, "in flight " + i));
                }
                return Future.all(resends).compose(all -> rest2.history(alice.getString("accessToken"), id, "after=0&limit=100"));
              }).map(history -> {
                ctx.verify(() -> {
                  JsonArray messages = history.getJsonArray("messages");
                  assertEquals(20, messages.size(), "every send stored exactly once after the resends");
                  for (int i = 0; i < 20; i++) {
                    assertEquals(i + 1L, messages.getJsonObject(i).getLong("seq"));
                  }
                });
                return null;
              });
            }));
        })));
    }).onComplete(ctx.succeedingThenComplete());
  }
}
