package io.parley.gateway;

import io.parley.testing.Rest;
import io.parley.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Answers at the REST edge that a new user ran into: each a stable code, none a 500. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RestEdgeCasesTest {

  private TestNode node;

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void a_wrong_login_is_401_whatever_the_passwords_length_and_a_bare_bearer_is_unauthenticated(Vertx vertx, VertxTestContext ctx) {
    TestNode.start(vertx).compose(started -> {
      node = started;
      Rest rest = new Rest(vertx, node.port());
      JsonObject shortWrong = new JsonObject().put("tenant", "acme").put("username", "alice").put("password", "x");
      return rest.user("acme", "alice")
        .compose(v -> rest.post("/auth/login", null, shortWrong))
        .compose(login -> {
          ctx.verify(() -> assertError(login.statusCode(), login.bodyAsJsonObject(), 401, "INVALID_CREDENTIALS"));
          return WebClient.create(vertx).get(node.port(), "127.0.0.1", "/api/me").putHeader("Authorization", "Bearer ").send();
        })
        .onSuccess(me -> ctx.verify(() -> {
          // "Authorization: Bearer " names no token: nothing was presented.
          assertError(me.statusCode(), me.bodyAsJsonObject(), 401, "UNAUTHENTICATED");
          ctx.completeNow();
        }));
    }).onFailure(ctx::failNow);
  }

  /** A client that sends headers and then stalls its body is answered 504 TIMEOUT, not 500 INTERNAL. */
  @Test
  void a_request_that_times_out_is_504_timeout(Vertx vertx, VertxTestContext ctx) {
    JsonObject fastTimeout = new JsonObject().put("http", new JsonObject().put("request_timeout_ms", 200));
    TestNode.start(vertx, fastTimeout).compose(started -> {
      node = started;
      return vertx.executeBlocking(() -> stalledPost(node.port()));
    }).onSuccess(response -> ctx.verify(() -> {
      assertTrue(response.startsWith("HTTP/1.1 504"), response);
      String body = response.substring(response.indexOf("\r\n\r\n") + 4);
      assertEquals("TIMEOUT", new JsonObject(body).getJsonObject("error").getString("code"), response);
      ctx.completeNow();
    })).onFailure(ctx::failNow);
  }

  private static String stalledPost(int port) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: 100\r\nConnection: close\r\n\r\n{\"tenant\":").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // The server answers while the body is still owed, so read the response, not up to a close.
      InputStream in = socket.getInputStream();
      StringBuilder response = new StringBuilder();
      byte[] chunk = new byte[4096];
      while (!complete(response.toString())) {
        int n = in.read(chunk);
        if (n < 0) {
          break;
        }
        response.append(new String(chunk, 0, n, StandardCharsets.UTF_8));
      }
      return response.toString();
    }
  }

  private static boolean complete(String response) {
    int headersEnd = response.indexOf("\r\n\r\n");
    if (headersEnd < 0) {
      return false;
    }
    Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(response.substring(0, headersEnd));
    return length.find() && response.length() - headersEnd - 4 >= Integer.parseInt(length.group(1));
  }

  private static void assertError(int status, JsonObject body, int expectedStatus, String expectedCode) {
    assertEquals(expectedStatus, status, String.valueOf(body));
    assertEquals(expectedCode, body.getJsonObject("error").getString("code"), String.valueOf(body));
  }
}
