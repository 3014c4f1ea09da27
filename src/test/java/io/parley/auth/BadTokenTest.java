package io.parley.auth;

import io.parley.testing.BridgeClient;
import io.parley.testing.Rest;
import io.parley.testing.ParleyNodeExtension;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.ApiAssertions.bridgeRefused;
import static io.parley.testing.ApiAssertions.refused;
import static io.parley.testing.Async.labelled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Access tokens that must not be honoured — expired, forged, unsigned, wrong issuer, no tenant, garbage,
 * absent — on the REST API and on every kind of bridge frame, and that a refused request changes nothing.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class BadTokenTest {

  private static final String ROOMS_LIST = "parley.rooms.list";
  private static final String SEND = "parley.delivery.send";
  private static final int TOKEN_INVALID = 205;
  private static final int UNAUTHENTICATED = 103;

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  private Rest rest;
  private String secret;
  /** alice's login answer: the legitimate session every bad token impersonates. */
  private JsonObject alice;
  private String roomId;

  @BeforeEach
  void given(VertxTestContext ctx) {
    rest = node.rest();
    node.vertx().fileSystem().readFile(node.dataDir().resolve("jwt-secret").toString())
      .compose(bytes -> {
        secret = bytes.toString(StandardCharsets.UTF_8).trim();
        return rest.user("acme", "alice");
      })
      .compose(session -> {
        alice = session;
        return rest.createConversation(token(), new JsonObject().put("type", "room").put("name", "general"));
      })
      .compose(room -> {
        roomId = room.getString("id");
        return rest.send(token(), roomId, "m-0", "the only message");
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  private String token() {
    return alice.getString("accessToken");
  }

  // ---- token minting ---------------------------------------------------------------------------

  private JWTAuth signer(String key) {
    return JWTAuth.create(node.vertx(), new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(key)));
  }

  /** alice's claims as the server would issue them. */
  private JsonObject aliceClaims() {
    return new JsonObject().put("tenant", alice.getString("tenant")).put("name", alice.getString("username"));
  }

  private String mint(String key, JsonObject claims, String issuer) {
    return signer(key).generateToken(claims, new JWTOptions()
      .setAlgorithm("HS256")
      .setIssuer(issuer)
      .setSubject(alice.getString("userId"))
      .setExpiresInSeconds(600));
  }

  private String expiredToken() {
    long now = System.currentTimeMillis() / 1000;
    JsonObject claims = aliceClaims()
      .put("sub", alice.getString("userId"))
      .put("iss", "parley")
      .put("iat", now - 7200)
      .put("exp", now - 3600);
    // no expiresIn: exp and iat stay exactly as given, an hour past (well beyond the 5 s leeway)
    return signer(secret).generateToken(claims, new JWTOptions().setAlgorithm("HS256").setNoTimestamp(true));
  }

  private String forgedToken() {
    return mint("an-attackers-own-secret-that-is-long-enough-0123456789", aliceClaims(), "parley");
  }

  private String unsignedToken() {
    long now = System.currentTimeMillis() / 1000;
    JsonObject header = new JsonObject().put("alg", "none").put("typ", "JWT");
    JsonObject payload = aliceClaims()
      .put("sub", alice.getString("userId"))
      .put("iss", "parley")
      .put("iat", now)
      .put("exp", now + 600);
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString(header.encode().getBytes(StandardCharsets.UTF_8)) + "."
      + b64.encodeToString(payload.encode().getBytes(StandardCharsets.UTF_8)) + ".";
  }

  private String wrongIssuerToken() {
    return mint(secret, aliceClaims(), "not-parley");
  }

  private String noTenantToken() {
    return mint(secret, new JsonObject().put("name", alice.getString("username")), "parley");
  }

  // ---- the cases -------------------------------------------------------------------------------

  /** Control: a token minted here the way the server mints them is honoured, so the refusals below are about the defect. */
  @Test
  void a_correctly_minted_token_is_accepted(VertxTestContext ctx) {
    String good = mint(secret, aliceClaims(), "parley");
    rest.expectGet(200, "/conversations", good)
      .compose(list -> node.bridge().compose(client -> client.token(good)
        .request(ROOMS_LIST, new JsonObject())
        .compose(rooms -> client.register(BridgeClient.inboxOf(alice)))
        .eventually(client::close)))
      .onComplete(ctx.succeeding(ready -> ctx.verify(() -> {
        assertEquals(1, ready.getJsonArray("conversations").size());
        ctx.completeNow();
      })));
  }

  @Test
  void expired_token_is_refused(VertxTestContext ctx) {
    String expired = expiredToken();
    ctx.verify(() -> {
      // the signer kept the claims as given: the token really is an hour past its expiry
      JsonObject payload = new JsonObject(new String(Base64.getUrlDecoder().decode(expired.split("\\.")[1]), StandardCharsets.UTF_8));
      assertTrue(payload.getLong("exp") < System.currentTimeMillis() / 1000 - 3000, payload.encode());
      assertEquals("parley", payload.getString("iss"));
    });
    refusedEverywhere(expired, "TOKEN_INVALID", TOKEN_INVALID).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void token_signed_with_another_secret_is_refused(VertxTestContext ctx) {
    refusedEverywhere(forgedToken(), "TOKEN_INVALID", TOKEN_INVALID).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void unsigned_alg_none_token_is_refused(VertxTestContext ctx) {
    refusedEverywhere(unsignedToken(), "TOKEN_INVALID", TOKEN_INVALID).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void token_of_another_issuer_is_refused(VertxTestContext ctx) {
    refusedEverywhere(wrongIssuerToken(), "TOKEN_INVALID", TOKEN_INVALID).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void token_without_tenant_claim_is_refused(VertxTestContext ctx) {
    refusedEverywhere(noTenantToken(), "TOKEN_INVALID", TOKEN_INVALID).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void garbage_token_is_refused(VertxTestContext ctx) {
    refusedEverywhere("garbage", "TOKEN_INVALID", TOKEN_INVALID).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void garbage_shaped_like_a_jwt_is_refused(VertxTestContext ctx) {
    refusedEverywhere("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2lnbmF0dXJl", "TOKEN_INVALID", TOKEN_INVALID)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void missing_token_is_refused(VertxTestContext ctx) {
    refusedEverywhere(null, "UNAUTHENTICATED", UNAUTHENTICATED).onComplete(ctx.succeedingThenComplete());
  }

  // ---- checks ----------------------------------------------------------------------------------

  /**
   * The token is refused on REST reads and writes and on bridge sends and inbox registration, and
   * afterwards alice's data, read with her real token, is exactly what it was.
   */
  private Future<Void> refusedEverywhere(String bad, String code, int failureCode) {
    JsonObject attempt = new JsonObject().put("conversationId", roomId).put("clientMsgId", "evil-1").put("text", "injected");
    return restRefuses(rest.get("/conversations", bad), code, "GET /conversations")
      .compose(v -> restRefuses(rest.get("/me", bad), code, "GET /me"))
      .compose(v -> restRefuses(rest.post("/conversations/" + roomId + "/messages", bad,
        new JsonObject().put("clientMsgId", "evil-0").put("text", "injected")), code, "POST messages"))
      .compose(v -> restRefuses(rest.post("/conversations", bad,
        new JsonObject().put("type", "room").put("name", "intruders")), code, "POST /conversations"))
      .compose(v -> node.bridge())
      .compose(client -> {
        client.token(bad);
        return bridgeRefuses(client.request(ROOMS_LIST, new JsonObject()), code, failureCode, "send " + ROOMS_LIST)
          .compose(v -> bridgeRefuses(client.request(SEND, attempt), code, failureCode, "send " + SEND))
          .compose(v -> bridgeRefuses(client.register(BridgeClient.inboxOf(alice)), code, failureCode, "register inbox"))
          // the refused registration subscribed nothing: a new message does not reach this connection
          .compose(v -> rest.send(token(), roomId, "m-1", "after the attempts"))
          .compose(sent -> node.vertx().timer(500))
          .compose(t -> {
            assertTrue(client.events().isEmpty(), "a refused registration must receive no events: " + client.events());
            assertTrue(client.protocolErrors().isEmpty(), "refusals are answered per frame: " + client.protocolErrors());
            return Future.<Void>succeededFuture();
          })
          .eventually(client::close);
      })
      .compose(v -> unchanged());
  }

  /** alice's view with her real token: one room, holding m-0 and m-1 (sent legitimately above) and nothing else. */
  private Future<Void> unchanged() {
    return rest.expectGet(200, "/conversations", token())
      .compose(list -> {
        JsonArray conversations = list.getJsonArray("conversations");
        assertEquals(1, conversations.size(), "no conversation was created: " + list.encode());
        return rest.history(token(), roomId, "");
      })
      .compose(history -> {
        JsonArray messages = history.getJsonArray("messages");
        assertEquals(2, messages.size(), "no message was added: " + history.encode());
        assertEquals("the only message", messages.getJsonObject(0).getString("text"));
        assertEquals("after the attempts", messages.getJsonObject(1).getString("text"));
        assertTrue(messages.stream().noneMatch(m -> ((JsonObject) m).getString("text").equals("injected")));
        return Future.<Void>succeededFuture();
      });
  }

  private static Future<Void> restRefuses(Future<HttpResponse<Buffer>> call, String code, String what) {
    return labelled(what, refused(call, 401, code));
  }

  private static Future<Void> bridgeRefuses(Future<JsonObject> call, String code, int failureCode, String what) {
    return labelled(what, bridgeRefused(call, failureCode, code));
  }
}
