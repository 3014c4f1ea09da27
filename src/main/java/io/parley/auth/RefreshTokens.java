package io.parley.auth;

import io.parley.auth.api.AuthError;
import io.parley.common.Caller;
import io.parley.common.Failure;
import io.parley.store.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;

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

  private final MongoClient mongo;
  private final long ttlMillis;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  RefreshTokens(MongoClient mongo, long ttlSeconds, Clock clock) {
    this.mongo = mongo;
    this.ttlMillis = ttlSeconds * 1000;
    this.clock = clock;
  }

  Future<Void> ensureIndexes() {
    return Mongo.index(mongo, REFRESH_TOKENS, new JsonObject().put("familyId", 1), false);
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
      // Spending is a compare-and-set on usedAt, so two concurrent uses cannot both succeed.
      JsonObject unspent = new JsonObject().put("_id", id).put("usedAt", (Object) null);
      JsonObject spend = new JsonObject().put("$set", new JsonObject().put("usedAt", now));
      return mongo.findOneAndUpdate(REFRESH_TOKENS, unspent, spend).compose(spent -> {
        String familyId = stored.getString("familyId");
        if (spent == null) {
          return revokeFamily(familyId).compose(v ->
            Failure.fail(AuthError.REFRESH_TOKEN_REUSED, "refresh token was already used; all sessions of this login are revoked"));
        }
        Caller caller = new Caller(stored.getString("tenant"), stored.getString("userId"), stored.getString("username"));
        return issue(caller, familyId).map(next -> new Rotation(caller, next));
      });
    });
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
      .put("expiresAt", now + ttlMillis)
      .put("usedAt", (Object) null)
      .put("revoked", false);
    return mongo.insert(REFRESH_TOKENS, doc).map(id -> token);
  }

  private Future<Void> revokeFamily(String familyId) {
    return mongo.updateCollectionWithOptions(REFRESH_TOKENS,
        new JsonObject().put("familyId", familyId),
        new JsonObject().put("$set", new JsonObject().put("revoked", true)),
        new UpdateOptions().setMulti(true))
      .mapEmpty();
  }

  private static String hash(String token) {
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
