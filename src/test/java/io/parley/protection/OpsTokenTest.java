package io.parley.protection;

import io.parley.testing.ParleyNodeExtension;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** With {@code http.ops_token} set, /metrics and /health/detailed need it; /health stays open. */
class OpsTokenTest {

  private static final String TOKEN = "ops-token-for-the-test-0123456789";

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess().withMetrics()
    .with(new JsonObject().put("http", new JsonObject().put("ops_token", TOKEN)));

  @Test
  void operator_pages_need_the_token_and_liveness_does_not() throws Exception {
    assertEquals(401, status(get("/metrics")));
    assertEquals(401, status(get("/metrics").bearerTokenAuthentication("wrong-token-0123456789")));
    assertEquals(401, status(get("/health/detailed")));
    assertEquals(200, status(get("/metrics").bearerTokenAuthentication(TOKEN)));
    assertEquals(200, status(get("/health/detailed").bearerTokenAuthentication(TOKEN)));
    assertEquals(200, status(get("/health")));
    assertEquals("UNAUTHENTICATED", await(get("/metrics").send()).bodyAsJsonObject().getJsonObject("error").getString("code"));
  }

  private HttpRequest<Buffer> get(String path) {
    WebClient web = node.clients().web();
    return web.get(node.port(), "127.0.0.1", path);
  }

  private static int status(HttpRequest<Buffer> request) throws Exception {
    return await(request.send()).statusCode();
  }
}
