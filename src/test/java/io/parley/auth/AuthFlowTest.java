package io.parley.auth;

import io.parley.testing.Rest;
import io.parley.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Accounts and tokens over the REST API: register, login, refresh rotation with reuse detection,
 * logout, and what ends up in the store (password hashes, refresh-token hashes).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class AuthFlowTest {

  private static final String PASSWORD = Rest.PASSWORD;

  private TestNode node;
  private Rest rest;
  private MongoClient mongo;

  /** Each test starts its own node, so one test can run with the shipped KDF settings. */
  private Future<TestNode> startNode(Vertx vertx, JsonObject overrides) {
    return TestNode.start(vertx, overrides).map(started -> {
      node = started;
      rest = new Rest(vertx, node.port());
      return started;
    });
  }

  /** A client of its own (not the node's shared pool) on the node's store, to inspect what was persisted. */
  private MongoClient store(Vertx vertx) {
    if (mongo == null) {
      mongo = MongoClient.create(vertx, new JsonObject()
        .put("connection_string", node.mongoConnectionString())
        .put("db_name", "parley"));
    }
    return mongo;
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    Future<Void> closed = mongo == null ? Future.succeededFuture() : mongo.close();
    if (rest != null) {
      rest.close();
    }
    closed.recover(err -> Future.succeededFuture())
      .compose(v -> node == null ? Future.succeededFuture() : node.stop())
      .onComplete(ctx.succeedingThenComplete());
  }

  private static JsonObject credentials(String tenant, String username, String password) {
    return new JsonObject().put("tenant", tenant).put("username", username).put("password", password);
  }

  /** Asserts an error response: status and {"error":{"code":…}}. */
  private static void assertError(HttpResponse<Buffer> response, int status, String code) {
    assertEquals(status, response.statusCode(), () -> "status; body: " + response.bodyAsString());
    JsonObject body = response.bodyAsJsonObject();
    assertNotNull(body, "error body");
    assertEquals(code, body.getJsonObject("error").getString("code"), () -> "error code; body: " + body.encode());
  }

  private Future<HttpResponse<Buffer>> refresh(String refreshToken) {
    return rest.post("/auth/refresh", null, new JsonObject().put("refreshToken", refreshToken));
  }

  private Future<JsonObject> login(String tenant, String username) {
    return rest.expect(200, "/auth/login", null, credentials(tenant, username, PASSWORD));
  }

  /** Runs {@code step} on a response inside ctx.verify, passing the response on. */
  private static Function<HttpResponse<Buffer>, Future<HttpResponse<Buffer>>> verify(VertxTestContext ctx,
                                                                                   java.util.function.Consumer<HttpResponse<Buffer>> step) {
    return response -> {
      try {
        step.accept(response);
        return Future.succeededFuture(response);
      } catch (Throwable t) {
        return Future.failedFuture(t);
      }
    };
  }

  @Test
  void register_answers_201_with_the_account(Vertx vertx, VertxTestContext ctx) {
    startNode(vertx, new JsonObject())
      .compose(n -> rest.post("/auth/register", null, credentials("acme", "Alice", PASSWORD)))
      .onComplete(ctx.succeeding(response -> ctx.verify(() -> {
        assertEquals(201, response.statusCode(), response.bodyAsString());
        JsonObject body = response.bodyAsJsonObject();
        assertNotNull(body.getString("userId"));
        assertFalse(body.getString("userId").isBlank());
        assertEquals("acme", body.getString("tenant"));
        assertEquals("Alice", body.getString("username"));
        assertFalse(body.encode().contains(PASSWORD), "the answer must not echo the password");
        ctx.completeNow();
      })));
  }

  @Test
  void usernames_are_unique_per_tenant_ignoring_case(Vertx vertx, VertxTestContext ctx) {
    startNode(vertx, new JsonObject())
      .compose(n -> rest.expect(201, "/auth/register", null, credentials("acme", "Alice", PASSWORD)))
      .compose(first -> rest.post("/auth/register", null, credentials("acme", "alice", "another-password"))
        .compose(verify(ctx, dup -> assertError(dup, 409, "USERNAME_TAKEN")))
        .compose(dup -> rest.post("/auth/register", null, credentials("acme", "Alice", PASSWORD)))
        .compose(verify(ctx, exact -> assertError(exact, 409, "USERNAME_TAKEN")))
        .compose(exact -> rest.post("/auth/register", null, credentials("globex", "alice", PASSWORD)))
        .compose(verify(ctx, other -> {
          assertEquals(201, other.statusCode(), other.bodyAsString());
          JsonObject body = other.bodyAsJsonObject();
          assertEquals("globex", body.getString("tenant"));
          assertEquals("alice", body.getString("username"));
          assertNotEquals(first.getString("userId"), body.getString("userId"), "a different account in another tenant");
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void login_issues_a_token_pair_and_rejects_bad_credentials_alike(Vertx vertx, VertxTestContext ctx) {
    startNode(vertx, new JsonObject())
      .compose(n -> rest.expect(201, "/auth/register", null, credentials("acme", "alice", PASSWORD)))
      .compose(registered -> rest.post("/auth/login", null, credentials("acme", "alice", PASSWORD))
        .compose(verify(ctx, ok -> {
          assertEquals(200, ok.statusCode(), ok.bodyAsString());
          JsonObject pair = ok.bodyAsJsonObject();
          assertNotNull(pair.getString("accessToken"));
          assertEquals(3, pair.getString("accessToken").split("\\.").length, "a JWT");
          assertNotNull(pair.getString("refreshToken"));
          assertFalse(pair.getString("refreshToken").isBlank());
          assertTrue(pair.getValue("expiresIn") instanceof Number, "expiresIn is a number");
          assertEquals(900, pair.getInteger("expiresIn"));
          assertEquals(registered.getString("userId"), pair.getString("userId"));
        }))
        .compose(ok -> rest.post("/auth/login", null, credentials("acme", "alice", "wrong-password")))
        .compose(verify(ctx, wrong -> assertError(wrong, 401, "INVALID_CREDENTIALS")))
        .compose(wrong -> rest.post("/auth/login", null, credentials("acme", "nobody", PASSWORD)))
        .compose(verify(ctx, unknown -> assertError(unknown, 401, "INVALID_CREDENTIALS")))
        // the right password in the wrong tenant is an unknown user too
        .compose(unknown -> rest.post("/auth/login", null, credentials("globex", "alice", PASSWORD)))
        .compose(verify(ctx, otherTenant -> assertError(otherTenant, 401, "INVALID_CREDENTIALS"))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void access_token_identifies_the_caller_on_me(Vertx vertx, VertxTestContext ctx) {
    startNode(vertx, new JsonObject())
      .compose(n -> rest.user("acme", "alice"))
      .compose(session -> rest.expectGet(200, "/me", session.getString("accessToken"))
        .map(me -> {
          ctx.verify(() -> {
            assertEquals("acme", me.getString("tenant"));
            assertEquals(session.getString("userId"), me.getString("userId"));
            assertEquals("alice", me.getString("username"));
          });
          return me;
        }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void refresh_rotates_and_reuse_revokes_the_whole_family_only(Vertx vertx, VertxTestContext ctx) {
    startNode(vertx, new JsonObject())
      .compose(n -> rest.user("acme", "alice"))
      .compose(first -> login("acme", "alice").compose(second -> {
        String spent = first.getString("refreshToken");
        return refresh(spent)
          .compose(verify(ctx, rotated -> {
            assertEquals(200, rotated.statusCode(), rotated.bodyAsString());
            JsonObject pair = rotated.bodyAsJsonObject();
            assertNotNull(pair.getString("accessToken"));
            assertNotNull(pair.getString("refreshToken"));
            assertNotEquals(spent, pair.getString("refreshToken"), "a new refresh token");
            assertEquals(first.getString("userId"), pair.getString("userId"));
            assertTrue(pair.getValue("expiresIn") instanceof Number);
          }))
          .map(HttpResponse::bodyAsJsonObject)
          .compose(rotated -> rest.expectGet(200, "/me", rotated.getString("accessToken"))
            .compose(me -> {
              ctx.verify(() -> assertEquals(first.getString("userId"), me.getString("userId")));
              return refresh(spent);
            })
            .compose(verify(ctx, reused -> assertError(reused, 401, "REFRESH_TOKEN_REUSED")))
            // the reuse revoked the family: the newest token of it is dead as well
            .compose(reused -> refresh(rotated.getString("refreshToken")))
            .compose(verify(ctx, newest -> assertError(newest, 401, "REFRESH_TOKEN_INVALID"))))
          // the other login's family is untouched
          .compose(newest -> refresh(second.getString("refreshToken")))
          .compose(verify(ctx, other -> {
            assertEquals(200, other.statusCode(), other.bodyAsString());
            assertNotNull(other.bodyAsJsonObject().getString("refreshToken"));
          }));
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void logout_revokes_the_refresh_token(Vertx vertx, VertxTestContext ctx) {
    startNode(vertx, new JsonObject())
      .compose(n -> rest.user("acme", "alice"))
      .compose(session -> login("acme", "alice").compose(other -> {
        String token = session.getString("refreshToken");
        return rest.post("/auth/logout", null, new JsonObject().put("refreshToken", token))
          .compose(verify(ctx, out -> assertEquals(204, out.statusCode(), out.bodyAsString())))
          .compose(out -> refresh(token))
          .compose(verify(ctx, after -> assertError(after, 401, "REFRESH_TOKEN_INVALID")))
          // logging out one session leaves the user's other login alone
          .compose(after -> refresh(other.getString("refreshToken")))
          .compose(verify(ctx, still -> assertEquals(200, still.statusCode(), still.bodyAsString())));
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void passwords_are_stored_as_pbkdf2_hashes(Vertx vertx, VertxTestContext ctx) {
    startNode(vertx, new JsonObject())
      .compose(n -> rest.expect(201, "/auth/register", null, credentials("acme", "alice", PASSWORD)))
      .compose(user -> store(vertx).findOne("users", new JsonObject().put("_id", user.getString("userId")), null))
      .onComplete(ctx.succeeding(stored -> ctx.verify(() -> {
        assertNotNull(stored, "the account is in the users collection");
        String hash = stored.getString("passwordHash");
        assertNotNull(hash);
        assertTrue(hash.startsWith("$pbkdf2$"), hash);
        assertFalse(hash.contains(PASSWORD));
        assertFalse(stored.encode().contains(PASSWORD), "the clear password is nowhere in the document");
        assertTrue(hash.contains("it=" + TestNode.TEST_KDF_ITERATIONS), hash);
        ctx.completeNow();
      })));
  }

  @Test
  void the_shipped_kdf_setting_is_used_for_new_hashes(Vertx vertx, VertxTestContext ctx) {
    startNode(vertx, new JsonObject().put("auth", new JsonObject().put("kdf_iterations", 210000)))
      .compose(n -> rest.expect(201, "/auth/register", null, credentials("acme", "alice", PASSWORD)))
      .compose(user -> rest.expect(200, "/auth/login", null, credentials("acme", "alice", PASSWORD))
        .compose(pair -> store(vertx).findOne("users", new JsonObject().put("_id", user.getString("userId")), null)))
      .onComplete(ctx.succeeding(stored -> ctx.verify(() -> {
        String hash = stored.getString("passwordHash");
        assertTrue(hash.startsWith("$pbkdf2$"), hash);
        assertTrue(hash.contains("it=210000"), hash);
        assertFalse(hash.contains(PASSWORD));
        ctx.completeNow();
      })));
  }

  @Test
  void refresh_tokens_are_stored_only_as_hashes(Vertx vertx, VertxTestContext ctx) {
    startNode(vertx, new JsonObject())
      .compose(n -> rest.user("acme", "alice"))
      .compose(first -> login("acme", "alice").compose(second ->
        refresh(first.getString("refreshToken")).compose(rotated -> {
          ctx.verify(() -> assertEquals(200, rotated.statusCode(), rotated.bodyAsString()));
          List<String> clear = List.of(first.getString("refreshToken"), second.getString("refreshToken"),
            rotated.bodyAsJsonObject().getString("refreshToken"));
          return store(vertx).find("refresh_tokens", new JsonObject()).map(docs -> {
            ctx.verify(() -> {
              assertEquals(3, docs.size(), "one document per issued refresh token");
              for (JsonObject doc : docs) {
                String encoded = doc.encode();
                for (String token : clear) {
                  assertFalse(encoded.contains(token), "a clear refresh token is stored: " + encoded);
                }
              }
              // what is stored is the SHA-256 of each token, so the check above looked at the right data
              List<String> ids = docs.stream().map(d -> d.getString("_id")).toList();
              for (String token : clear) {
                assertTrue(ids.contains(sha256(token)), "stored by hash");
              }
            });
            return docs;
          });
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
