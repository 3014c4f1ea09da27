package io.parley.auth;

import io.parley.auth.api.AuthError;
import io.parley.common.Failure;
import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

/** Accounts: one username per tenant, compared case-insensitively. Owns the {@code users} collection. */
final class UserStore {

  static final String USERS = "users";
  /** Set on a new account until its {@link Welcome} has been done once: then it is removed. */
  static final String WELCOME_PENDING = "welcomePending";

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
      .put("createdAt", clock.millis())
      .put(WELCOME_PENDING, true);
    return mongo.insert(USERS, user)
      .map(id -> user)
      .recover(err -> MongoErrors.isDuplicateKey(err)
        ? Failure.fail(AuthError.USERNAME_TAKEN, "username '" + username + "' is taken in this tenant")
        : Future.failedFuture(err));
  }

  /** The account's welcome is done: it is not tried again. */
  Future<Void> welcomed(String userId) {
    return mongo.updateCollection(USERS, new JsonObject().put("_id", userId),
      new JsonObject().put("$unset", new JsonObject().put(WELCOME_PENDING, ""))).mapEmpty();
  }

  /** The account, or null. */
  Future<JsonObject> find(String tenant, String username) {
    return mongo.findOne(USERS, new JsonObject().put("tenant", tenant).put("usernameKey", key(username)), null);
  }

  /** Each name by the exact (tenant, usernameKey) key the unique index serves; an `$in` there would scan. */
  Future<List<JsonObject>> findAll(String tenant, List<String> usernames) {
    List<Future<JsonObject>> lookups = usernames.stream().map(UserStore::key).distinct()
      .map(key -> mongo.findOne(USERS, new JsonObject().put("tenant", tenant).put("usernameKey", key),
        new JsonObject().put("username", 1).put("usernameKey", 1)))
      .toList();
    return Future.all(lookups).map(all -> lookups.stream().map(Future::result).filter(Objects::nonNull).toList());
  }

  static String key(String username) {
    return username.toLowerCase(Locale.ROOT);
  }
}
