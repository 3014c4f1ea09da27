package io.parley.auth;

import io.parley.common.Failure;
import io.parley.store.Collections;
import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;

import java.util.List;
import java.util.Locale;
import java.util.UUID;

/** Accounts: one username per tenant, compared case-insensitively. */
final class UserStore {

  private final MongoClient mongo;

  UserStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  Future<Void> ensureIndexes() {
    return Mongo.index(mongo, Collections.USERS, new JsonObject().put("tenant", 1).put("usernameKey", 1), true);
  }

  Future<JsonObject> create(String tenant, String username, String passwordHash) {
    JsonObject user = new JsonObject()
      .put("_id", UUID.randomUUID().toString())
      .put("tenant", tenant)
      .put("username", username)
      .put("usernameKey", key(username))
      .put("passwordHash", passwordHash)
      .put("createdAt", System.currentTimeMillis());
    return mongo.insert(Collections.USERS, user)
      .map(id -> user)
      .recover(err -> MongoErrors.isDuplicateKey(err)
        ? Failure.fail(AuthError.USERNAME_TAKEN, "username '" + username + "' is taken in this tenant")
        : Future.failedFuture(err));
  }

  /** The account, or null. */
  Future<JsonObject> find(String tenant, String username) {
    return mongo.findOne(Collections.USERS, new JsonObject().put("tenant", tenant).put("usernameKey", key(username)), null);
  }

  Future<List<JsonObject>> findAll(String tenant, List<String> usernames) {
    JsonArray keys = new JsonArray(usernames.stream().map(UserStore::key).distinct().toList());
    JsonObject query = new JsonObject().put("tenant", tenant).put("usernameKey", new JsonObject().put("$in", keys));
    return mongo.findWithOptions(Collections.USERS, query,
      new FindOptions().setFields(new JsonObject().put("username", 1).put("usernameKey", 1)));
  }

  static String key(String username) {
    return username.toLowerCase(Locale.ROOT);
  }
}
