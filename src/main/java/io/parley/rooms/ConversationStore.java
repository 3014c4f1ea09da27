package io.parley.rooms;

import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;

import java.util.List;

/**
 * Conversation documents, always looked up together with the tenant so ids never cross tenants.
 * Owns the {@code conversations} and {@code dm_pairs} collections.
 */
final class ConversationStore {

  /** Rooms, DMs and group DMs, with the head: the last sequence number stored. */
  static final String CONVERSATIONS = "conversations";
  /** The one DM per pair of users, keyed by the pair. */
  static final String DM_PAIRS = "dm_pairs";

  private final MongoClient mongo;

  ConversationStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  Future<Void> ensureIndexes() {
    return Mongo.index(mongo, CONVERSATIONS, new JsonObject().put("tenant", 1).put("visibility", 1), false);
  }

  Future<Void> insert(JsonObject conversation) {
    return mongo.insert(CONVERSATIONS, conversation).mapEmpty();
  }

  /** Inserts unless a document with this id exists; used where the id was reserved first (DMs). */
  Future<Void> insertIfAbsent(JsonObject conversation) {
    JsonObject query = new JsonObject().put("_id", conversation.getString("_id"));
    JsonObject fields = conversation.copy();
    fields.remove("_id");
    return mongo.updateCollectionWithOptions(CONVERSATIONS, query,
      new JsonObject().put("$setOnInsert", fields), new UpdateOptions().setUpsert(true)).mapEmpty();
  }

  /** The conversation, or null when it does not exist in this tenant. */
  Future<JsonObject> find(String tenant, String id) {
    return mongo.findOne(CONVERSATIONS, new JsonObject().put("_id", id).put("tenant", tenant), null);
  }

  Future<List<JsonObject>> findAll(String tenant, List<String> ids) {
    return mongo.find(CONVERSATIONS, new JsonObject().put("tenant", tenant)
      .put("_id", new JsonObject().put("$in", new JsonArray(ids))));
  }

  Future<List<JsonObject>> publicRooms(String tenant, int limit) {
    return mongo.findWithOptions(CONVERSATIONS,
      new JsonObject().put("tenant", tenant).put("type", "room").put("visibility", "public"),
      new FindOptions().setSort(new JsonObject().put("createdAt", -1)).setLimit(limit));
  }

  /** Keeps the conversation's lastSeq (unread counts, where joiners start) at least at {@code seq}. */
  Future<Void> advanceHead(String tenant, String id, long seq) {
    return mongo.updateCollectionWithOptions(CONVERSATIONS, new JsonObject().put("_id", id).put("tenant", tenant),
      new JsonObject().put("$max", new JsonObject().put("lastSeq", seq)), new UpdateOptions()).mapEmpty();
  }

  /**
   * Reserves the one DM of a pair: the first caller's proposed id wins, concurrent or later callers
   * get that same id back (the pair key is the document id, so the store arbitrates).
   */
  Future<String> reserveDm(String tenant, String pairKey, String proposedId) {
    JsonObject pair = new JsonObject().put("_id", tenant + ":" + pairKey).put("tenant", tenant).put("conversationId", proposedId);
    return mongo.insert(DM_PAIRS, pair).map(id -> proposedId).recover(err -> {
      if (!MongoErrors.isDuplicateKey(err)) {
        return Future.failedFuture(err);
      }
      return mongo.findOne(DM_PAIRS, new JsonObject().put("_id", pair.getString("_id")), null)
        .map(existing -> existing.getString("conversationId"));
    });
  }
}
