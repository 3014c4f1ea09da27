package io.parley.gateway.bridge;

import io.parley.auth.api.AccessTokens;
import io.parley.common.Caller;
import io.parley.common.CommonError;
import io.parley.testing.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.parley.testing.ApiAssertions.assertFailsWith;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When a bridge connection stops being authorized: its newest token's expiry plus the 10 s grace,
 * checked with a clock the test moves (the end-to-end close with code 4002 is the sweep acting on this).
 */
class ConnectionAuthTest {

  private final Vertx vertx = Vertx.vertx();
  private final MutableClock clock = MutableClock.now();
  private final AccessTokens tokens = new AccessTokens(vertx, "s".repeat(48), "parley", 60, clock);
  private final Caller alice = new Caller("acme", "u-alice", "alice");

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void authorized_until_the_newest_token_expired_plus_the_grace() throws Exception {
    ConnectionAuth auth = new ConnectionAuth(tokens, clock);
    assertEquals(alice, await(auth.authenticate(frame(tokens.issue(alice)))));

    clock.advance(Duration.ofSeconds(60).plusMillis(ConnectionAuth.TOKEN_GRACE_MS));
    assertFalse(auth.lapsed(), "still within the grace at expiry + 10 s");
    clock.advance(Duration.ofMillis(1));
    assertTrue(auth.lapsed(), "lapsed 1 ms after the grace");
  }

  @Test
  void presenting_a_refreshed_token_extends_the_connection() throws Exception {
    ConnectionAuth auth = new ConnectionAuth(tokens, clock);
    await(auth.authenticate(frame(tokens.issue(alice))));
    clock.advance(Duration.ofSeconds(50));
    // A token refreshed now (verification itself runs on the real clock, so it is recorded as verified).
    auth.accept(alice, "refreshed", clock.millis() + 60_000);

    clock.advance(Duration.ofSeconds(30));
    assertFalse(auth.lapsed(), "the newer token is what counts");
    clock.advance(Duration.ofSeconds(41));
    assertTrue(auth.lapsed());
  }

  @Test
  void one_connection_is_one_user_and_a_frame_without_a_token_is_unauthenticated() throws Exception {
    ConnectionAuth auth = new ConnectionAuth(tokens, clock);
    await(auth.authenticate(frame(tokens.issue(alice))));
    Caller bob = new Caller("acme", "u-bob", "bob");
    assertFailsWith(CommonError.FORBIDDEN, () -> auth.authenticate(frame(tokens.issue(bob))));
    assertEquals(alice, auth.caller());

    for (JsonObject noToken : new JsonObject[] {
      new JsonObject(), headers("authorization", null), headers("authorization", ""), headers("authorization", "Bearer "),
      headers("authorization", 42), new JsonObject().put("headers", "Bearer x")}) {
      assertNull(ConnectionAuth.token(noToken), noToken.encode());
      assertFailsWith(CommonError.UNAUTHENTICATED, () -> auth.authenticate(noToken));
    }
    assertEquals("abc", ConnectionAuth.token(headers("authorization", "bearer abc")), "the scheme is optional and case-blind");
    assertEquals("abc", ConnectionAuth.token(headers("authorization", "abc")));
  }

  private static JsonObject frame(String token) {
    return headers("authorization", "Bearer " + token);
  }

  private static JsonObject headers(String name, Object value) {
    return new JsonObject().put("headers", new JsonObject().put(name, value));
  }
}
