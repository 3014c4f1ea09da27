package io.parley.protection;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.parley.testing.RoomOfTwo;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.parley.testing.ApiAssertions.assertBridgeError;
import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-user and per-address rates on one node (RateLimitSharingTest: across nodes through Redis).
 * A refused request answers RATE_LIMITED with when to come back — REST 429 with Retry-After, an err frame
 * on the bridge — and changes nothing. Tried: a user sending past its burst on the bridge and on REST,
 * creating conversations past its write burst, sign-ins from one address past its burst, with and without
 * a trusted proxy naming other addresses in X-Forwarded-For.
 */
class RateLimitTest {

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess().manual().withMetrics();

  private static JsonObject rate(int burst, int perMinute) {
    return new JsonObject().put("burst", burst).put("per_minute", perMinute);
  }

  private static JsonObject rates(JsonObject rates) {
    return new JsonObject().put("limits", new JsonObject().put("rates", rates));
  }

  @Test
  void sends_past_a_users_rate_are_refused_on_the_bridge_and_on_rest_and_store_nothing() throws Exception {
    await(node.start(rates(new JsonObject().put("sends_per_user", rate(5, 60)))));
    RoomOfTwo room = await(RoomOfTwo.create(node.rest(), "rates"));
    BridgeClient alice = await(node.online(room.alice()));
    for (int i = 1; i <= 5; i++) {
      await(alice.send(room.roomId(), "a-" + i, "within the burst " + i));
    }

    Throwable refused = await(alice.send(room.roomId(), "a-6", "one too many").transform(ar -> Future.succeededFuture(ar.cause())));
    assertBridgeError(refused, 111, "RATE_LIMITED");
    assertTrue(refused.getMessage().endsWith("retry in 1 s"), refused.getMessage());

    HttpResponse<Buffer> rest = await(node.rest().post("/conversations/" + room.roomId() + "/messages",
      room.alice().getString("accessToken"), new JsonObject().put("clientMsgId", "a-7").put("text", "over REST")));
    assertError(rest, 429, "RATE_LIMITED");
    assertEquals("1", rest.getHeader("Retry-After"));

    // Another user's share is untouched, and the refused sends left no trace.
    await(node.rest().send(room.bob().getString("accessToken"), room.roomId(), "b-1", "bob is fine"));
    assertEquals(6, lastSeq(room));
    assertEquals(2, node.metric("parley_rate_limited_total{kind=\"sends_per_user\""), 0.1);

    Thread.sleep(1100);
    await(alice.send(room.roomId(), "a-6", "a token came back"));
    assertEquals(7, lastSeq(room));
  }

  @Test
  void rest_writes_past_a_users_rate_answer_429_with_retry_after_and_reads_stay_open() throws Exception {
    await(node.start(rates(new JsonObject().put("rest_writes_per_user", rate(3, 6)))));
    Rest rest = node.rest();
    JsonObject alice = await(rest.user("acme", "alice"));
    String token = alice.getString("accessToken");
    for (int i = 1; i <= 3; i++) {
      await(rest.createConversation(token, new JsonObject().put("type", "room").put("name", "room " + i)
        .put("members", new JsonArray())));
    }
    HttpResponse<Buffer> limited = await(rest.post("/conversations", token,
      new JsonObject().put("type", "room").put("name", "room 4").put("members", new JsonArray())));
    assertError(limited, 429, "RATE_LIMITED");
    assertEquals("10", limited.getHeader("Retry-After"), "one write comes back every 10 s");

    JsonObject listed = await(rest.expectGet(200, "/conversations", token));
    assertEquals(3, listed.getJsonArray("conversations").size(), "the refused create created nothing; reads are not limited");
  }

  @Test
  void sign_ins_are_limited_per_address_and_x_forwarded_for_counts_only_from_a_trusted_proxy() throws Exception {
    await(node.start(rates(new JsonObject().put("auth_per_address", rate(3, 1)))
      .put("http", new JsonObject().put("trusted_proxies", new JsonArray().add("127.0.0.0/8")))));
    Rest rest = node.rest();

    assertEquals(401, loginAs("203.0.113.5").statusCode());
    assertEquals(401, loginAs("203.0.113.5").statusCode());
    assertEquals(401, loginAs("203.0.113.5").statusCode());
    HttpResponse<Buffer> limited = loginAs("203.0.113.5");
    assertError(limited, 429, "RATE_LIMITED");
    assertEquals("60", limited.getHeader("Retry-After"));
    // Behind the trusted proxy (loopback here), each client address has its own bucket.
    assertEquals(401, loginAs("203.0.113.6").statusCode());
    // The right-most untrusted hop is the client: a spoofed left-most entry buys nothing.
    assertError(loginAs("198.51.100.1, 203.0.113.5"), 429, "RATE_LIMITED");
    // Register and refresh count against the same bucket.
    HttpResponse<Buffer> register = await(rest.call(HttpMethod.POST, "/auth/register", null,
      new JsonObject().put("tenant", "acme").put("username", "mallory").put("password", Rest.PASSWORD),
      MultiMap.caseInsensitiveMultiMap().add("X-Forwarded-For", "203.0.113.5")));
    assertError(register, 429, "RATE_LIMITED");
  }

  @Test
  void x_forwarded_for_from_an_untrusted_peer_is_ignored() throws Exception {
    await(node.start(rates(new JsonObject().put("auth_per_address", rate(3, 1)))
      .put("http", new JsonObject().put("trusted_proxies", new JsonArray().add("10.0.0.0/8")))));
    for (int i = 0; i < 3; i++) {
      assertEquals(401, loginAs("203.0.113." + i).statusCode());
    }
    // The peer (127.0.0.1) is the client whatever the header says: its bucket is empty.
    assertError(loginAs("203.0.113.99"), 429, "RATE_LIMITED");
    assertError(loginAs(null), 429, "RATE_LIMITED");
  }

  private HttpResponse<Buffer> loginAs(String forwardedFor) throws Exception {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (forwardedFor != null) {
      headers.add("X-Forwarded-For", forwardedFor);
    }
    return await(node.rest().call(HttpMethod.POST, "/auth/login", null,
      new JsonObject().put("tenant", "acme").put("username", "nobody").put("password", "wrong-password"), headers));
  }

  private long lastSeq(RoomOfTwo room) throws Exception {
    return await(node.rest().expectGet(200, "/conversations/" + room.roomId(), room.bob().getString("accessToken")))
      .getLong("lastSeq");
  }
}
