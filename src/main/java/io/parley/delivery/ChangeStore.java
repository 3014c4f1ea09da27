package io.parley.delivery;

import io.parley.common.Caller;
import io.parley.store.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.MongoClient;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The {@code message_changes} collection: every lookup by exact key ({@code _id}s, or one unique index's fields). */
final class ChangeStore {

  /** Owned by delivery. {@code _id} = conversationId:changeSeq; unique (conversationId, actorId, clientChangeId), (messageId, rev). */
  static final String CHANGES = "message_changes";

  private final MongoClient mongo;

  ChangeStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  static String id(String conversationId, long changeSeq) {
    return conversationId + ":" + changeSeq;
  }

  Future<Void> ensureIndexes() {
    return Mongo.index(mongo, CHANGES, new JsonObject().put("conversationId", 1).put("actorId", 1).put("clientChangeId", 1), true)
      .compose(v -> Mongo.index(mongo, CHANGES, new JsonObject().put("messageId", 1).put("rev", 1), true));
  }

  /** Fails with a duplicate key when its changeSeq, its (messageId, rev) or its client id is taken. */
  Future<Void> insert(JsonObject change) {
    return mongo.insert(CHANGES, change).mapEmpty();
  }

  /**
   * The changes after {@code after} (exclusive) in ascending changeSeq, at most {@code limit}: one lookup
   * for the next id, then (if there is one) one lookup of the ids after it, since changeSeqs have no gaps.
   */
  Future<List<JsonObject>> page(String tenant, String conversationId, long after, int limit) {
    return exists(conversationId, after + 1).compose(any -> {
      if (!any) {
        return Future.succeededFuture(List.of());
      }
      List<String> ids = new ArrayList<>();
      for (long changeSeq = after + 1; changeSeq <= after + limit; changeSeq++) {
        ids.add(id(conversationId, changeSeq));
      }
      return mongo.find(CHANGES, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(ids))))
        .map(found -> found.stream().filter(c -> tenant.equals(c.getString("tenant")))
          .sorted(Comparator.comparingLong(c -> c.getLong("changeSeq"))).toList());
    });
  }

  /** Removes the text of the message's earlier changes (revisions 1 … rev-1): after a delete none is kept. */
  Future<Void> purgeTexts(String messageId, long rev) {
    if (rev <= 1) {
      return Future.succeededFuture();
    }
    List<BulkOperation> updates = new ArrayList<>();
    for (long earlier = 1; earlier < rev; earlier++) {
      updates.add(BulkOperation.createUpdate(new JsonObject().put("messageId", messageId).put("rev", earlier),
        new JsonObject().put("$unset", new JsonObject().put("text", ""))));
    }
    return mongo.bulkWriteWithOptions(CHANGES, updates, new BulkWriteOptions(false)).mapEmpty();
  }

  Future<Boolean> exists(String conversationId, long changeSeq) {
    return mongo.findOne(CHANGES, new JsonObject().put("_id", id(conversationId, changeSeq)), new JsonObject().put("_id", 1))
      .map(found -> found != null);
  }

  /** The dedup lookup: exactly the unique index's fields. */
  Future<JsonObject> findByClientId(Caller actor, String conversationId, String clientChangeId) {
    return mongo.findOne(CHANGES, new JsonObject()
        .put("conversationId", conversationId)
        .put("actorId", actor.userId())
        .put("clientChangeId", clientChangeId), null)
      .map(found -> found != null && actor.tenant().equals(found.getString("tenant")) ? found : null);
  }

  /** The change that made revision {@code rev} of the message: exactly the unique index's fields. */
  Future<JsonObject> findByRev(String messageId, long rev) {
    return mongo.findOne(CHANGES, new JsonObject().put("messageId", messageId).put("rev", rev), null);
  }
}
