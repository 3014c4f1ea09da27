package io.parley.protection;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.parley.testing.LogCapture;
import io.parley.testing.ParleyNodeExtension;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the REST API does with requests it does not take: a body that is not JSON is 415 before anything
 * parses it (a form body over ~8 KB, or a multipart field over 20 KB, was a 500 with a 45-line stack
 * trace), a known path asked with the wrong method is 405 with {@code Allow} (was 404, or 401 behind
 * the token check), a body that is not UTF-8 is 400 (it was stored with replacement characters), and
 * without a token an oversized body is refused as 401 without being read; an over-size SockJS
 * {@code xhr_send} is a 413 (vertx-web logged it as an unhandled router failure). No
 * answer is a 5xx and nothing is logged as an error or with a stack trace.
 */
class RestDoorsTest {

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  @Test
  void requests_the_api_does_not_take_get_a_4xx_with_their_code() throws Exception {
    String form = "tenant=acme&username=alice&password=" + "p".repeat(9_000);
    String multipartField = "x".repeat(21_000);
    String multipart = "--b\r\nContent-Disposition: form-data; name=\"tenant\"\r\n\r\n" + multipartField + "\r\n--b--\r\n";

    try (LogCapture log = LogCapture.start()) {
      expect(415, "UNSUPPORTED_MEDIA_TYPE", request(HttpMethod.POST, "/auth/login", "application/x-www-form-urlencoded", null), form);
      expect(415, "UNSUPPORTED_MEDIA_TYPE", request(HttpMethod.POST, "/auth/register", "multipart/form-data; boundary=b", null), multipart);
      expect(415, "UNSUPPORTED_MEDIA_TYPE", request(HttpMethod.POST, "/auth/login", null, null), "{\"tenant\":\"acme\"}");
      expect(415, "UNSUPPORTED_MEDIA_TYPE", request(HttpMethod.POST, "/auth/login", "text/plain", null), "{}");

      HttpResponse<Buffer> wrongMethod = expect(405, "METHOD_NOT_ALLOWED", request(HttpMethod.DELETE, "/conversations", null, null), null);
      assertEquals("GET, POST", wrongMethod.getHeader("Allow"));
      HttpResponse<Buffer> loginByGet = expect(405, "METHOD_NOT_ALLOWED", request(HttpMethod.GET, "/auth/login", null, null), null);
      assertEquals("POST", loginByGet.getHeader("Allow"));
      expect(405, "METHOD_NOT_ALLOWED", request(HttpMethod.PUT, "/conversations/abc/messages", null, "any-token"), "{}");
      expect(404, "NOT_FOUND", request(HttpMethod.GET, "/no/such/thing", null, null), null);

      // Bytes ff fe c3 28 inside a string: not UTF-8, so refused rather than stored altered.
      HttpResponse<Buffer> invalidUtf8 = await(request(HttpMethod.POST, "/auth/register", "application/json", null)
        .sendBuffer(Buffer.buffer("{\"tenant\":\"acme\",\"username\":\"u").appendBytes(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, 0x28})
          .appendString("\",\"password\":\"correct-horse-battery\"}")));
      assertEquals(400, invalidUtf8.statusCode(), invalidUtf8.bodyAsString());
      assertEquals("BAD_JSON", invalidUtf8.bodyAsJsonObject().getJsonObject("error").getString("code"));

      // Over http.max_body_bytes (64 KB) and no token: refused for the token, the body never read.
      expect(401, "UNAUTHENTICATED", request(HttpMethod.POST, "/conversations", "application/json", null),
        "{\"name\":\"" + "n".repeat(200_000) + "\"}");

      // A SockJS xhr_send body over the limit: 413, not an unhandled router failure.
      await(node.clients().web().post(node.port(), "127.0.0.1", "/eventbus/123/abcdef/xhr").send());
      HttpResponse<Buffer> bigSend = await(node.clients().web().post(node.port(), "127.0.0.1", "/eventbus/123/abcdef/xhr_send")
        .putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer("a".repeat(100_000))));
      assertEquals(413, bigSend.statusCode(), bigSend.bodyAsString());

      List<ILoggingEvent> bad = LogCapture.errorsOrStackTraces(log.stop());
      assertTrue(bad.isEmpty(), "bad input logged an error or a stack trace: " + bad.stream().map(LogCapture::rendered).toList());
    }
  }

  private HttpRequest<Buffer> request(HttpMethod method, String path, String contentType, String token) {
    WebClient web = node.clients().web();
    HttpRequest<Buffer> request = web.request(method, node.port(), "127.0.0.1", "/api" + path);
    if (contentType != null) {
      request.putHeader("Content-Type", contentType);
    }
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return request;
  }

  private static HttpResponse<Buffer> expect(int status, String code, HttpRequest<Buffer> request, String body) throws Exception {
    HttpResponse<Buffer> response = await(body == null ? request.send() : request.sendBuffer(Buffer.buffer(body)));
    String text = response.bodyAsString();
    assertEquals(status, response.statusCode(), text);
    assertEquals(code, new JsonObject(text).getJsonObject("error").getString("code"), text);
    return response;
  }
}
