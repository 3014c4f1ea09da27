package io.parley.protection;

import io.parley.testing.NodeProcess;
import io.parley.testing.ParleyNodeExtension;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With {@code http.management_port} set, /metrics and /health/detailed are served there and only there
 * (bound to {@code http.management_host}); the public port keeps /health for load balancers.
 */
class ManagementPortTest {

  private final int managementPort = NodeProcess.freePort();

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess().withMetrics()
    .with(() -> new JsonObject().put("http", new JsonObject().put("management_port", managementPort)));

  @Test
  void operator_pages_move_to_the_management_port() throws Exception {
    WebClient web = node.clients().web();
    assertEquals(404, status(web, node.port(), "/metrics"));
    assertEquals(404, status(web, node.port(), "/health/detailed"));
    assertEquals(200, status(web, node.port(), "/health"));

    assertEquals(200, status(web, managementPort, "/health/detailed"));
    String scrape = await(web.get(managementPort, "127.0.0.1", "/metrics").send()).bodyAsString();
    assertTrue(scrape.contains("parley_bridge_requests_in_flight"), "Parley's meters are on the management port");
    assertEquals(404, status(web, managementPort, "/api/me"), "nothing but operations there");
  }

  private static int status(WebClient web, int port, String path) throws Exception {
    return await(web.get(port, "127.0.0.1", path).send()).statusCode();
  }
}
