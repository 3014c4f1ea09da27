package io.parley.auth;

import io.parley.testing.Rest;
import io.parley.testing.ParleyNodeExtension;
import io.vertx.core.Future;
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
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.checking;
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

  /** Each test starts its own node, so one test can run with the shipped KDF settings. */
  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess().manual();

  private Rest rest;
  private MongoClient mongo;

  private Future<Void> startNode(JsonObject overrides) {
    return node.start(overrides).onSuccess(v -> rest = node.rest());
  }

  /** A client of its own (not the node's shared pool) on the node's store, to inspect what was persisted. */
  private MongoClient store() {
    if (mongo == null) {
      mongo = MongoClient.create(node.vertx(), new JsonObject()
        .put("connection_string", node.mongoConnectionString())
        .put("db_name", "parley"));
    }
    return mongo;
  }

  @AfterEach
  void closeStore(VertxTestContext ctx) {
    (mongo == null ? Future.<Void>succeededFuture() : mongo.close()).onComplete(ctx.succeedingThenComplete());
  }

  private static JsonObject credentials(String tenant, String username, String password) {
    return new JsonObject().put("tenant", tenant).put("username", username).put("password", password);
  }

  private Future<HttpResponse<Buffer>> refresh(String refreshToken) {
    return rest.post("/auth/refresh", null, new JsonObject().put("refreshToken", refreshToken));
  }

  private Future<JsonObject> login(String tenant, String username) {
    return rest.expect(200, "/auth/login", null, credentials(tenant, username, PASSWORD));
  }

  @Test
  void register_answers_201_with_the_account(VertxTestContext ctx) {
    startNode(new JsonObject())
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
  void usernames_are_unique_per_tenant_ignoring_case(VertxTestContext ctx) {
    startNode(new JsonObject())
      .compose(n -> rest.expect(201, "/auth/register", null, credentials("acme", "Alice", PASSWORD)))
      .compose(first -> rest.post("/auth/register", null, credentials("acme", "alice", "another-password"))
        .compose(checking(dup -> assertError(dup, 409, "USERNAME_TAKEN")))
        .compose(dup -> rest.post("/auth/register", null, credentials("acme", "Alice", PASSWORD)))
        .compose(checking(exact -> assertError(exact, 409, "USERNAME_TAKEN")))
        .compose(exact -> rest.post("/auth/register", null, credentials("globex", "alice", PASSWORD)))
        .compose(checking(other -> {
          assertEquals(201, other.statusCode(), other.bodyAsString());
          JsonObject body = other.bodyAsJsonObject();
          assertEquals("globex", body.getString("tenant"));
          assertEquals("alice", body.getString("username"));
          assertNotEquals(first.getString("userId"), body.getString("userId"), "a different account in another tenant");
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void login_issues_a_token_pair_and_rejects_bad_credentials_alike(VertxTestContext ctx) {
    startNode(new JsonObject())
      .compose(n -> rest.expect(201, "/auth/register", null, credentials("acme", "alice", PASSWORD)))
      .compose(registered -> rest.post("/auth/login", null, credentials("acme", "alice", PASSWORD))
        .compose(checking(ok -> {
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
        .compose(checking(wrong -> assertError(wrong, 401, "INVALID_CREDENTIALS")))
        .compose(wrong -> rest.post("/auth/login", null, credentials("acme", "nobody", PASSWORD)))
        .compose(checking(unknown -> assertError(unknown, 401, "INVALID_CREDENTIALS")))
        // the right password in the wrong tenant is an unknown user too
        .compose(unknown -> rest.post("/auth/login", null, credentials("globex", "alice", PASSWORD)))
        .compose(checking(otherTenant -> assertError(otherTenant, 401, "INVALID_CREDENTIALS"))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void access_token_identifies_the_caller_on_me(VertxTestContext ctx) {
    startNode(new JsonObject())
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
  void refresh_rotates_and_reuse_revokes_the_whole_family_only(VertxTestContext ctx) {
    startNode(new JsonObject())
      .compose(n -> rest.user("acme", "alice"))
      .compose(first -> login("acme", "alice").compose(second -> {
        String spent = first.getString("refreshToken");
        return refresh(spent)
          .compose(checking(rotated -> {
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
            .compose(checking(reused -> assertError(reused, 401, "REFRESH_TOKEN_REUSED")))
            // the reuse revoked the family: the newest token of it is dead as well
            .compose(reused -> refresh(rotated.getString("refreshToken")))
            .compose(checking(newest -> assertError(newest, 401, "REFRESH_TOKEN_INVALID"))))
          // the other login's family is untouched
          .compose(newest -> refresh(second.getString("refreshToken")))
          .compose(checking(other -> {
            assertEquals(200, other.statusCode(), other.bodyAsString());
            assertNotNull(other.bodyAsJsonObject().getString("refreshToken"));
          }));
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void logout_revokes_the_refresh_token(VertxTestContext ctx) {
    startNode(new JsonObject())
      .compose(n -> rest.user("acme", "alice"))
      .compose(session -> login("acme", "alice").compose(other -> {
        String token = session.getString("refreshToken");
        return rest.post("/auth/logout", null, new JsonObject().put("refreshToken", token))
          .compose(checking(out -> assertEquals(204, out.statusCode(), out.bodyAsString())))
          .compose(out -> refresh(token))
          .compose(checking(after -> assertError(after, 401, "REFRESH_TOKEN_INVALID")))
          // logging out one session leaves the user's other login alone
          .compose(after -> refresh(other.getString("refreshToken")))
          .compose(checking(still -> assertEquals(200, still.statusCode(), still.bodyAsString())));
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void passwords_are_stored_as_pbkdf2_hashes(VertxTestContext ctx) {
    startNode(new JsonObject())
      .compose(n -> rest.expect(201, "/auth/register", null, credentials("acme", "alice", PASSWORD)))
      .compose(user -> store().findOne("users", new JsonObject().put("_id", user.getString("userId")), null))
      .onComplete(ctx.succeeding(stored -> ctx.verify(() -> {
        assertNotNull(stored, "the account is in the users collection");
        String hash = stored.getString("passwordHash");
        assertNotNull(hash);
        assertTrue(hash.startsWith("$pbkdf2$"), hash);
        assertFalse(hash.contains(PASSWORD));
        assertFalse(stored.encode().contains(PASSWORD), "the clear password is nowhere in the document");
        assertTrue(hash.contains("it=" + ParleyNodeExtension.TEST_KDF_ITERATIONS), hash);
        ctx.completeNow();
      })));
  }

  @Test
  void the_shipped_kdf_setting_is_used_for_new_hashes(VertxTestContext ctx) {
    startNode(new JsonObject().put("auth", new JsonObject().put("kdf_iterations", 210000)))
      .compose(n -> rest.expect(201, "/auth/register", null, credentials("acme", "alice", PASSWORD)))
      .compose(user -> rest.expect(200, "/auth/login", null, credentials("acme", "alice", PASSWORD))
        .compose(pair -> store().findOne("users", new JsonObject().put("_id", user.getString("userId")), null)))
      .onComplete(ctx.succeeding(stored -> ctx.verify(() -> {
        String hash = stored.getString("passwordHash");
        assertTrue(hash.startsWith("$pbkdf2$"), hash);
        assertTrue(hash.contains("it=210000"), hash);
        assertFalse(hash.contains(PASSWORD));
        ctx.completeNow();
      })));
  }

  @Test
  void refresh_tokens_are_stored_only_as_hashes(VertxTestContext ctx) {
    startNode(new JsonObject())
      .compose(n -> rest.user("acme", "alice"))
      .compose(first -> login("acme", "alice").compose(second ->
        refresh(first.getString("refreshToken")).compose(rotated -> {
          ctx.verify(() -> assertEquals(200, rotated.statusCode(), rotated.bodyAsString()));
          List<String> clear = List.of(first.getString("refreshToken"), second.getString("refreshToken"),
            rotated.bodyAsJsonObject().getString("refreshToken"));
          return store().find("refresh_tokens", new JsonObject()).map(docs -> {
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
