package io.parley.protection;

import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guessing at one account is throttled before any password hashing: tried with 200 wrong passwords
 * for alice, 25 at a time (before, all 200 were hashed at full cost and other users' logins waited
 * seconds). At most the account's 10 attempts per minute are checked (401), the rest are refused at
 * once with 429 RATE_LIMITED and a Retry-After; bob logs in meanwhile, at once; alice's own correct
 * password is refused too until the bucket refills (the throttle cannot tell her from the guesser).
 */
class LoginStormTest {

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  @Test
  void a_guessing_storm_on_one_account_is_refused_fast_and_others_log_in() throws Exception {
    await(node.rest().users("acme", "alice", "bob"));
    JsonObject wrong = new JsonObject().put("tenant", "acme").put("username", "alice").put("password", "wrong-password-123");

    List<HttpResponse<Buffer>> answers = new ArrayList<>();
    for (int wave = 0; wave < 8; wave++) {
      List<Future<HttpResponse<Buffer>>> batch = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        batch.add(node.rest().post("/auth/login", null, wrong));
      }
      long started = System.nanoTime();
      JsonObject bob = await(node.rest().expect(200, "/auth/login", null,
        new JsonObject().put("tenant", "acme").put("username", "bob").put("password", Rest.PASSWORD)));
      long bobMs = (System.nanoTime() - started) / 1_000_000;
      assertNotNull(bob.getString("accessToken"));
      assertTrue(bobMs < 2_000, "bob's login took " + bobMs + " ms during the storm");
      for (Future<HttpResponse<Buffer>> answer : batch) {
        answers.add(await(answer));
      }
    }

    long checked = answers.stream().filter(a -> a.statusCode() == 401).count();
    List<HttpResponse<Buffer>> limited = answers.stream().filter(a -> a.statusCode() == 429).toList();
    assertEquals(200, checked + limited.size(), "every attempt is a 401 or a 429");
    assertTrue(checked <= 10, checked + " wrong passwords were checked; the account allows 10 a minute");
    for (HttpResponse<Buffer> answer : limited) {
      assertEquals("RATE_LIMITED", answer.bodyAsJsonObject().getJsonObject("error").getString("code"));
      long retryAfter = Long.parseLong(answer.getHeader("Retry-After"));
      assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
    }
    assertEquals(429, await(node.rest().post("/auth/login", null, wrong.copy().put("password", Rest.PASSWORD))).statusCode(),
      "the account stays throttled until its bucket refills");
  }
}
