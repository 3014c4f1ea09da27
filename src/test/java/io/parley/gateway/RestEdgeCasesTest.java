package io.parley.gateway;

import io.parley.testing.ParleyNodeExtension;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Answers at the REST edge that a new user ran into: each a stable code, none a 500. */
class RestEdgeCasesTest {

  /** A short request timeout, so a stalled request is given up on quickly. */
  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess()
    .with(new JsonObject().put("http", new JsonObject().put("request_timeout_ms", 200)));

  @Test
  void a_wrong_login_is_401_whatever_the_passwords_length() throws Exception {
    await(node.rest().user("acme", "alice"));
    for (String wrong : new String[] {"x", "short", "long-enough-but-wrong"}) {
      JsonObject login = new JsonObject().put("tenant", "acme").put("username", "alice").put("password", wrong);
      assertError(await(node.rest().post("/auth/login", null, login)), 401, "INVALID_CREDENTIALS");
    }
  }

  @Test
  void an_authorization_header_naming_no_token_is_unauthenticated() throws Exception {
    WebClient web = WebClient.create(node.vertx());
    try {
      for (String header : new String[] {"Bearer ", "Bearer", "bearer  ", " "}) {
        assertError(await(web.get(node.port(), "127.0.0.1", "/api/me").putHeader("Authorization", header).send()),
          401, "UNAUTHENTICATED");
      }
      assertError(await(web.get(node.port(), "127.0.0.1", "/api/me").putHeader("Authorization", "Bearer x.y.z").send()),
        401, "TOKEN_INVALID");
    } finally {
      web.close();
    }
  }

  /** A client that sends headers and then stalls its body is answered 504 TIMEOUT, not 500 INTERNAL. */
  @Test
  void a_request_that_times_out_is_504_timeout() throws Exception {
    String response = stalledPost(node.port());
    assertTrue(response.startsWith("HTTP/1.1 504"), response);
    String body = response.substring(response.indexOf("\r\n\r\n") + 4);
    assertEquals("TIMEOUT", new JsonObject(body).getJsonObject("error").getString("code"), response);
  }

  private static String stalledPost(int port) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: 100\r\n\r\n{\"tenant\":").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // The server answers while the body is still owed, so read one response, not up to a close.
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
}
