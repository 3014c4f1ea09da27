package io.parley.rooms;

import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;

import java.time.Clock;
import java.util.List;

/** Who is in which conversation; the document id is {@code conversationId:userId}, so joins are idempotent. */
final class MembershipStore {

  /** Owned by rooms: who is in which conversation, with each member's read position. */
  static final String MEMBERSHIPS = "memberships";

  private final MongoClient mongo;
  private final Clock clock;

  MembershipStore(MongoClient mongo, Clock clock) {
    this.mongo = mongo;
    this.clock = clock;
  }

  Future<Void> ensureIndexes() {
    return Future.all(
      Mongo.index(mongo, MEMBERSHIPS, new JsonObject().put("tenant", 1).put("userId", 1), false),
      Mongo.index(mongo, MEMBERSHIPS, new JsonObject().put("conversationId", 1), false)).mapEmpty();
  }

  /**
   * True when the user was added, false when already a member. A new member has read what came
   * before they joined ({@code readSeq}), so joining a busy room does not make its backlog unread.
   */
  Future<Boolean> add(String tenant, String conversationId, String userId, String username, String role, long readSeq) {
    JsonObject membership = new JsonObject()
      .put("_id", id(conversationId, userId))
      .put("tenant", tenant)
      .put("conversationId", conversationId)
      .put("userId", userId)
      .put("username", username)
      .put("role", role)
      .put("readSeq", readSeq)
      .put("joinedAt", clock.millis());
    return mongo.insert(MEMBERSHIPS, membership).map(id -> true)
      .recover(err -> MongoErrors.isDuplicateKey(err) ? Future.succeededFuture(false) : Future.failedFuture(err));
  }

  /** True when the user was a member. */
  Future<Boolean> remove(String tenant, String conversationId, String userId) {
    return mongo.removeDocument(MEMBERSHIPS,
        new JsonObject().put("_id", id(conversationId, userId)).put("tenant", tenant))
      .map(result -> result != null && result.getRemovedCount() > 0);
  }

  /** The membership, or null. */
  Future<JsonObject> find(String tenant, String conversationId, String userId) {
    return mongo.findOne(MEMBERSHIPS,
      new JsonObject().put("_id", id(conversationId, userId)).put("tenant", tenant), null);
  }

  Future<List<JsonObject>> ofUser(String tenant, String userId) {
    return mongo.find(MEMBERSHIPS, new JsonObject().put("tenant", tenant).put("userId", userId));
  }

  Future<List<JsonObject>> ofConversation(String tenant, String conversationId, int limit) {
    return mongo.findWithOptions(MEMBERSHIPS,
      new JsonObject().put("tenant", tenant).put("conversationId", conversationId),
      new FindOptions().setSort(new JsonObject().put("joinedAt", 1)).setLimit(limit));
  }

  /** Moves the read position forward only; returns the position now stored. */
  Future<Long> markRead(String tenant, String conversationId, String userId, long seq) {
    return mongo.findOneAndUpdateWithOptions(MEMBERSHIPS,
        new JsonObject().put("_id", id(conversationId, userId)).put("tenant", tenant),
        new JsonObject().put("$max", new JsonObject().put("readSeq", seq)),
        new FindOptions(), new UpdateOptions().setReturningNewDocument(true))
      .map(updated -> updated == null ? null : updated.getLong("readSeq"));
  }

  private static String id(String conversationId, String userId) {
    return conversationId + ":" + userId;
  }
}
