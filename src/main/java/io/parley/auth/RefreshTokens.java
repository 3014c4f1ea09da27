package io.parley.auth;

import io.parley.auth.api.AuthError;
import io.parley.common.Caller;
import io.parley.common.Failure;
import io.parley.store.Migrations;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Opaque refresh tokens, stored only as SHA-256 hashes. Each use spends the token and issues the next
 * one in the same family; presenting a spent token means it was stolen or replayed, so the whole
 * family is revoked and the legitimate holder must log in again.
 */
final class RefreshTokens {

  /** Owned by auth: refresh tokens stored by hash, grouped in rotation families. */
  static final String REFRESH_TOKENS = "refresh_tokens";
  /** Owned by auth: one document per spent token ({@code _id} = its hash); inserting it is the spend. */
  static final String SPENT = "refresh_spent";
  /** Owned by auth: one document per revoked family ({@code _id} = familyId). */
  static final String REVOKED_FAMILIES = "refresh_revoked_families";

  private final MongoClient mongo;
  private final long ttlMillis;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  RefreshTokens(MongoClient mongo, long ttlSeconds, Clock clock) {
    this.mongo = mongo;
    this.ttlMillis = ttlSeconds * 1000;
    this.clock = clock;
  }

  /** Nothing beyond {@code _id}: every lookup is by a key; tokens spent or revoked by the older layout are carried over once. */
  Future<Void> ensureIndexes() {
    return Migrations.once(mongo, "auth.refresh-spends-by-key", () -> Migrations.forEach(mongo, REFRESH_TOKENS, token -> {
      Future<Void> spent = token.getValue("usedAt") == null ? Future.succeededFuture() : spend(token.getString("_id"), clock.millis()).mapEmpty();
      Future<Void> revoked = token.getBoolean("revoked", false) ? revokeFamily(token.getString("familyId")) : Future.succeededFuture();
      return Future.all(spent, revoked).map(v -> token.getValue("usedAt") != null || token.getBoolean("revoked", false));
    }));
  }

  /** Starts a new family (login) and returns the token in clear, once. */
  Future<String> issue(Caller caller) {
    return issue(caller, UUID.randomUUID().toString());
  }

  /** Spends {@code token} and returns the owner together with the next token of its family. */
  Future<Rotation> rotate(String token) {
    String id = hash(token);
    long now = clock.millis();
    return mongo.findOne(REFRESH_TOKENS, new JsonObject().put("_id", id), null).compose(stored -> {
      if (stored == null || stored.getBoolean("revoked", false) || stored.getLong("expiresAt") < now) {
        return Failure.fail(AuthError.REFRESH_TOKEN_INVALID, "refresh token is unknown, expired or revoked");
      }
      String familyId = stored.getString("familyId");
      return familyRevoked(familyId).compose(revoked -> {
        if (revoked) {
          return Failure.fail(AuthError.REFRESH_TOKEN_INVALID, "refresh token is unknown, expired or revoked");
        }
        // Spending inserts the token's spend under its hash: of two concurrent uses exactly one insert succeeds.
        return spend(id, now).compose(first -> {
          if (!first) {
            return revokeFamily(familyId).compose(v ->
              Failure.fail(AuthError.REFRESH_TOKEN_REUSED, "refresh token was already used; all sessions of this login are revoked"));
          }
          Caller caller = new Caller(stored.getString("tenant"), stored.getString("userId"), stored.getString("username"));
          return issue(caller, familyId).map(next -> new Rotation(caller, next));
        });
      });
    });
  }

  /** True when this call spent the token, false when it was spent before. */
  private Future<Boolean> spend(String tokenHash, long now) {
    return mongo.insert(SPENT, new JsonObject().put("_id", tokenHash).put("at", now)).map(v -> true)
      .recover(err -> MongoErrors.isDuplicateKey(err) ? Future.succeededFuture(false) : Future.failedFuture(err));
  }

  private Future<Boolean> familyRevoked(String familyId) {
    return mongo.findOne(REVOKED_FAMILIES, new JsonObject().put("_id", familyId), null).map(found -> found != null);
  }

  /** Revokes the family of {@code token}; unknown tokens are ignored so logout cannot probe tokens. */
  Future<Void> revoke(String token) {
    return mongo.findOne(REFRESH_TOKENS, new JsonObject().put("_id", hash(token)), null)
      .compose(stored -> stored == null ? Future.succeededFuture() : revokeFamily(stored.getString("familyId")));
  }

  private Future<String> issue(Caller caller, String familyId) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    long now = clock.millis();
    JsonObject doc = new JsonObject()
      .put("_id", hash(token))
      .put("familyId", familyId)
      .put("tenant", caller.tenant())
      .put("userId", caller.userId())
      .put("username", caller.username())
      .put("createdAt", now)
      .put("expiresAt", now + ttlMillis);
    return mongo.insert(REFRESH_TOKENS, doc).map(id -> token);
  }

  private Future<Void> revokeFamily(String familyId) {
    return mongo.save(REVOKED_FAMILIES, new JsonObject().put("_id", familyId).put("at", clock.millis())).mapEmpty();
  }

  static String hash(String token) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  record Rotation(Caller caller, String refreshToken) {
  }
}
