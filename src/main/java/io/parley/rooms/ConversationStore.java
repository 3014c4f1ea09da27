package io.parley.rooms;

import io.parley.store.Collections;
import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;

import java.util.List;

/** Conversation documents, always looked up together with the tenant so ids never cross tenants. */
final class ConversationStore {

  private final MongoClient mongo;

  ConversationStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  Future<Void> ensureIndexes() {
    return Mongo.index(mongo, Collections.CONVERSATIONS, new JsonObject().put("tenant", 1).put("visibility", 1), false);
  }

  Future<Void> insert(JsonObject conversation) {
    return mongo.insert(Collections.CONVERSATIONS, conversation).mapEmpty();
  }

  /** Inserts unless a document with this id exists; used where the id was reserved first (DMs). */
  Future<Void> insertIfAbsent(JsonObject conversation) {
    JsonObject query = new JsonObject().put("_id", conversation.getString("_id"));
    JsonObject fields = conversation.copy();
    fields.remove("_id");
    return mongo.updateCollectionWithOptions(Collections.CONVERSATIONS, query,
      new JsonObject().put("$setOnInsert", fields), new UpdateOptions().setUpsert(true)).mapEmpty();
  }

  /** The conversation, or null when it does not exist in this tenant. */
  Future<JsonObject> find(String tenant, String id) {
    return mongo.findOne(Collections.CONVERSATIONS, new JsonObject().put("_id", id).put("tenant", tenant), null);
  }

  Future<List<JsonObject>> findAll(String tenant, List<String> ids) {
    return mongo.find(Collections.CONVERSATIONS, new JsonObject().put("tenant", tenant)
      .put("_id", new JsonObject().put("$in", new JsonArray(ids))));
  }

  Future<List<JsonObject>> publicRooms(String tenant, int limit) {
    return mongo.findWithOptions(Collections.CONVERSATIONS,
      new JsonObject().put("tenant", tenant).put("type", "room").put("visibility", "public"),
      new FindOptions().setSort(new JsonObject().put("createdAt", -1)).setLimit(limit));
  }

  /**
   * Reserves the one DM of a pair: the first caller's proposed id wins, concurrent or later callers
   * get that same id back (the pair key is the document id, so the store arbitrates).
   */
  Future<String> reserveDm(String tenant, String pairKey, String proposedId) {
    JsonObject pair = new JsonObject().put("_id", tenant + ":" + pairKey).put("tenant", tenant).put("conversationId", proposedId);
    return mongo.insert(Collections.DM_PAIRS, pair).map(id -> proposedId).recover(err -> {
      if (!MongoErrors.isDuplicateKey(err)) {
        return Future.failedFuture(err);
      }
      return mongo.findOne(Collections.DM_PAIRS, new JsonObject().put("_id", pair.getString("_id")), null)
        .map(existing -> existing.getString("conversationId"));
    });
  }
}
