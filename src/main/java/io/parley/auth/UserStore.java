package io.parley.auth;

import io.parley.auth.api.AuthError;
import io.parley.common.Failure;
import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;

import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/** Accounts: one username per tenant, compared case-insensitively. Owns the {@code users} collection. */
final class UserStore {

  static final String USERS = "users";

  private final MongoClient mongo;
  private final Clock clock;

  UserStore(MongoClient mongo, Clock clock) {
    this.mongo = mongo;
    this.clock = clock;
  }

  Future<Void> ensureIndexes() {
    return Mongo.index(mongo, USERS, new JsonObject().put("tenant", 1).put("usernameKey", 1), true);
  }

  Future<JsonObject> create(String tenant, String username, String passwordHash) {
    JsonObject user = new JsonObject()
      .put("_id", UUID.randomUUID().toString())
      .put("tenant", tenant)
      .put("username", username)
      .put("usernameKey", key(username))
      .put("passwordHash", passwordHash)
      .put("createdAt", clock.millis());
    return mongo.insert(USERS, user)
      .map(id -> user)
      .recover(err -> MongoErrors.isDuplicateKey(err)
        ? Failure.fail(AuthError.USERNAME_TAKEN, "username '" + username + "' is taken in this tenant")
        : Future.failedFuture(err));
  }

  /** The account, or null. */
  Future<JsonObject> find(String tenant, String username) {
    return mongo.findOne(USERS, new JsonObject().put("tenant", tenant).put("usernameKey", key(username)), null);
  }

  Future<List<JsonObject>> findAll(String tenant, List<String> usernames) {
    JsonArray keys = new JsonArray(usernames.stream().map(UserStore::key).distinct().toList());
    JsonObject query = new JsonObject().put("tenant", tenant).put("usernameKey", new JsonObject().put("$in", keys));
    return mongo.findWithOptions(USERS, query,
      new FindOptions().setFields(new JsonObject().put("username", 1).put("usernameKey", 1)));
  }

  static String key(String username) {
    return username.toLowerCase(Locale.ROOT);
  }
}
