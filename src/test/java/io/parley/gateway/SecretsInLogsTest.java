package io.parley.gateway;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.parley.testing.LogCapture;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static io.parley.gateway.BadInputFixture.HISTORY;
import static io.parley.gateway.BadInputFixture.SEND;
import static io.parley.testing.ApiAssertions.assertErrorShape;
import static io.parley.testing.Async.sequence;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad passwords, tokens and frames are refused without any password or token reaching the logs or an error body. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class SecretsInLogsTest {

  @RegisterExtension
  final BadInputFixture in = new BadInputFixture();

  private LogCapture capture;

  @AfterEach
  void detach() {
    if (capture != null) {
      capture.stop();
    }
  }

  @Test
  void no_password_or_token_reaches_the_logs(VertxTestContext ctx) {
    capture = LogCapture.start();
    String password = "Corr3ct-" + UUID.randomUUID();
    String wrongPassword = "Wr0ng-" + UUID.randomUUID();
    JsonObject credentials = new JsonObject().put("tenant", "acme").put("username", "carol").put("password", password);
    List<String> secrets = new CopyOnWriteArrayList<>(List.of(password, wrongPassword));
    List<HttpResponse<Buffer>> responses = new CopyOnWriteArrayList<>();
    Function<HttpResponse<Buffer>, HttpResponse<Buffer>> keep = response -> {
      responses.add(response);
      return response;
    };

    in.rest().expect(201, "/auth/register", null, credentials)
      .compose(v -> in.rest().post("/auth/login", null, credentials.copy().put("password", wrongPassword)).map(keep))
      .compose(v -> in.rest().post("/auth/login", null, credentials.copy().put("username", "nobody")).map(keep))
      .compose(v -> in.rest().raw(HttpMethod.POST, "/auth/login", null,
        "{\"tenant\":\"acme\",\"username\":\"carol\",\"password\":\"" + password + "\"").map(keep))
      .compose(v -> in.rest().raw(HttpMethod.POST, "/auth/register", null,
        "{\"tenant\":\"acme\",\"username\":\"carol\",\"password\":\"" + password + "\"}").map(keep))
      .compose(v -> in.rest().expect(200, "/auth/login", null, credentials))
      .compose(login -> {
        String access1 = login.getString("accessToken");
        String refresh1 = login.getString("refreshToken");
        secrets.addAll(List.of(access1, refresh1, signature(access1)));
        return in.rest().expect(200, "/auth/refresh", null, new JsonObject().put("refreshToken", refresh1)).compose(refreshed -> {
          String access2 = refreshed.getString("accessToken");
          String refresh2 = refreshed.getString("refreshToken");
          secrets.addAll(List.of(access2, refresh2, signature(access2)));
          String tampered = tamper(access2);
          return sequence(
              // Bad tokens over REST.
              () -> in.rest().get("/me", refresh2).map(keep).mapEmpty(),
              () -> in.rest().get("/me", tampered).map(keep).mapEmpty(),
              () -> in.rest().get("/me", "not-a-jwt-" + password).map(keep).mapEmpty(),
              () -> in.rest().post("/auth/refresh", null, new JsonObject().put("refreshToken", access2)).map(keep).mapEmpty(),
              () -> in.rest().post("/auth/refresh", null, new JsonObject().put("refreshToken", password)).map(keep).mapEmpty(),
              // Bad tokens and bad frames over the bridge.
              () -> refusedRegistration(refresh2, refreshed),
              () -> refusedRegistration(tampered, refreshed),
              () -> in.node().online(refreshed).compose(client -> {
                          int before = client.protocolErrors().size();
                client.sendRaw("{\"type\":\"send\",\"address\":\"parley.auth.login\",\"headers\":{\"authorization\":\"Bearer "
                  + access2 + "\"},\"body\":{\"password\":\"" + password + "\"}");
                client.write(new JsonObject().put("type", "publish").put("address", "parley.auth.login")
                  .put("body", credentials).put("headers", new JsonObject().put("authorization", "Bearer " + access2)));
                client.write(new JsonObject().put("type", "send").put("address", "parley.auth.login")
                  .put("body", credentials).put("headers", new JsonObject().put("authorization", "Bearer " + access2)));
                client.write(new JsonObject().put("type", "send").put("address", SEND).put("replyAddress", "r-" + password)
                  .put("body", password).put("headers", new JsonObject().put("authorization", "Bearer " + access2)));
                return client.awaitProtocolErrors(before + 3)
                  .compose(v -> client.request("parley.auth.login", credentials).recover(err -> Future.succeededFuture()))
                  .compose(v -> client.request("parley.auth.refresh", new JsonObject().put("refreshToken", refresh2))
                    .recover(err -> Future.succeededFuture()))
                  .compose(v -> client.token(tampered).request(HISTORY, new JsonObject().put("conversationId", in.roomId()))
                    .recover(err -> Future.succeededFuture()))
                  .compose(v -> client.token(refresh2).request(HISTORY, new JsonObject().put("conversationId", in.roomId()))
                    .recover(err -> Future.succeededFuture()))
                  .mapEmpty();
              }),
              // A refresh token replayed after rotation revokes its family, then logout.
              () -> in.rest().post("/auth/refresh", null, new JsonObject().put("refreshToken", refresh1)).map(keep).mapEmpty(),
              () -> in.rest().expect(204, "/auth/logout", null, new JsonObject().put("refreshToken", refresh2)).mapEmpty());
        });
      })
      // Logging is synchronous, but let stragglers on other event loops land.
      .compose(v -> in.node().vertx().timer(300))
      .onComplete(ctx.succeeding(v -> {
        List<ILoggingEvent> events = capture.stop();
        ctx.verify(() -> {
          assertTrue(events.stream().anyMatch(e -> e.getFormattedMessage().contains("registered user")),
            "the capture sees the node's logs: " + events.size() + " events");
          assertTrue(events.stream().anyMatch(e -> e.getFormattedMessage().startsWith("refused bridge frame")),
            "the capture sees the refused bridge frames, which are logged once each");
          assertTrue(events.stream().anyMatch(e -> e.getFormattedMessage().startsWith("refused POST")),
            "the capture sees the refused REST requests, which are logged once each");
          for (ILoggingEvent event : events) {
            String text = LogCapture.rendered(event);
            for (String secret : secrets) {
              assertFalse(text.contains(secret), "a secret reached the log (" + event.getLoggerName() + "): " + text);
            }
          }
          assertTrue(responses.size() >= 10);
          for (HttpResponse<Buffer> response : responses) {
            assertTrue(response.statusCode() >= 400, "refused: " + response.statusCode() + " " + response.bodyAsString());
            assertErrorShape(response);
            for (String secret : secrets) {
              assertFalse(response.bodyAsString().contains(secret), "an error response echoes a secret: " + response.bodyAsString());
            }
          }
        });
        ctx.completeNow();
      }));
  }

  /** Registers an inbox with a token that must be refused; the connection is kept for cleanup. */
  private Future<Void> refusedRegistration(String badToken, JsonObject session) {
    return in.node().bridge().compose(client -> client.token(badToken).register(io.parley.testing.BridgeClient.inboxOf(session))
      .transform(ar -> ar.succeeded()
        ? Future.failedFuture(new AssertionError("a bad token registered an inbox"))
        : Future.succeededFuture()));
  }

  private static String signature(String jwt) {
    return jwt.substring(jwt.lastIndexOf('.') + 1);
  }

  /** The token with one character in the middle of its signature changed (the last one may only hold padding bits). */
  private static String tamper(String jwt) {
    int at = jwt.lastIndexOf('.') + 10;
    char replacement = jwt.charAt(at) == 'A' ? 'B' : 'A';
    return jwt.substring(0, at) + replacement + jwt.substring(at + 1);
  }
}
