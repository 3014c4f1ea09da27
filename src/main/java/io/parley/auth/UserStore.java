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
import io.vertx.ext.mongo.UpdateOptions;

import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

/**
 * Accounts: one username per tenant, compared case-insensitively, and an optional display name. Owns the
 * {@code users} collection. Its lookups are by key: {@code _id}; (tenant, usernameKey), the lower-cased
 * username, exactly or by prefix; (tenant, displayNameKey, _id), the lower-cased display name, by prefix
 * (the {@code _id} makes the key unique, which the embedded store needs to use an index at all).
 */
final class UserStore {

  static final String USERS = "users";
  /** Set on a new account until its {@link Welcome} has been done once: then it is removed. */
  static final String WELCOME_PENDING = "welcomePending";
  private static final JsonObject DIRECTORY_FIELDS = new JsonObject().put("tenant", 1).put("username", 1).put("usernameKey", 1)
    .put("displayName", 1);

  private final MongoClient mongo;
  private final Clock clock;

  UserStore(MongoClient mongo, Clock clock) {
    this.mongo = mongo;
    this.clock = clock;
  }

  Future<Void> ensureIndexes() {
    return Future.all(Mongo.index(mongo, USERS, new JsonObject().put("tenant", 1).put("usernameKey", 1), true),
      Mongo.index(mongo, USERS, new JsonObject().put("tenant", 1).put("displayNameKey", 1).put("_id", 1), true)).mapEmpty();
  }

  Future<JsonObject> create(String tenant, String username, String displayName, String passwordHash) {
    JsonObject user = new JsonObject()
      .put("_id", UUID.randomUUID().toString())
      .put("tenant", tenant)
      .put("username", username)
      .put("usernameKey", key(username))
      .put("passwordHash", passwordHash)
      .put("createdAt", clock.millis())
      .put(WELCOME_PENDING, true);
    if (displayName != null) {
      user.put("displayName", displayName).put("displayNameKey", key(displayName));
    }
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

  /** The account by id, with the fields the directory shows (and its tenant), or null. */
  Future<JsonObject> byId(String userId) {
    return mongo.findOne(USERS, new JsonObject().put("_id", userId), DIRECTORY_FIELDS);
  }

  /** Sets the display name, or removes it when null; the account after the change, or null if there is none. */
  Future<JsonObject> rename(String userId, String displayName) {
    JsonObject change = displayName == null
      ? new JsonObject().put("$unset", new JsonObject().put("displayName", "").put("displayNameKey", ""))
      : new JsonObject().put("$set", new JsonObject().put("displayName", displayName).put("displayNameKey", key(displayName)));
    return mongo.findOneAndUpdateWithOptions(USERS, new JsonObject().put("_id", userId), change,
      new FindOptions().setFields(DIRECTORY_FIELDS), new UpdateOptions().setReturningNewDocument(true));
  }

  /** The accounts among {@code ids} (any tenant: the caller filters), by the {@code _id} index with one {@code $in}. */
  Future<List<JsonObject>> byIds(List<String> ids) {
    return mongo.findWithOptions(USERS, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(ids))),
      new FindOptions().setFields(DIRECTORY_FIELDS));
  }

  /**
   * Up to {@code limit} accounts of the tenant whose lower-cased {@code field} ({@code usernameKey} or
   * {@code displayNameKey}) starts with {@code prefix}, in that field's order: a range over the index that
   * begins with (tenant, field), read from its first key to the limit on either store (see
   * {@code store/KeyedUniqueIndex}).
   */
  Future<List<JsonObject>> byPrefix(String tenant, String field, String prefix, int limit) {
    JsonObject range = new JsonObject().put("$gte", prefix);
    String end = prefixEnd(prefix);
    if (end != null) {
      range.put("$lt", end);
    }
    return mongo.findWithOptions(USERS, new JsonObject().put("tenant", tenant).put(field, range),
      new FindOptions().setFields(DIRECTORY_FIELDS.copy().put(field, 1)).setSort(new JsonObject().put(field, 1)).setLimit(limit));
  }

  /**
   * The least string above every string that starts with {@code prefix}: its last code point raised by
   * one. Right in code point order (MongoDB compares strings as UTF-8 bytes) and in UTF-16 order (the
   * embedded store compares Java strings), where {@code prefix + "\uffff"} would miss, on MongoDB, a name
   * going on with a character above U+FFFF (an emoji). Null (no upper bound) when nothing can be raised.
   */
  static String prefixEnd(String prefix) {
    int end = prefix.length();
    while (end > 0) {
      int last = prefix.codePointBefore(end);
      end -= Character.charCount(last);
      if (last != 0xFFFF && last != Character.MAX_CODE_POINT) {
        int next = last + 1 == Character.MIN_SURROGATE ? Character.MAX_SURROGATE + 1 : last + 1;
        return prefix.substring(0, end) + Character.toString(next);
      }
    }
    return null;
  }

  static String key(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
