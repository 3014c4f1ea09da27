package io.parley.rooms;

import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Conversation documents, looked up by id and checked against the caller's tenant so ids never cross tenants.
 * Owns the {@code conversations} and {@code dm_pairs} collections.
 */
final class ConversationStore {

  /** Rooms, DMs and group DMs, with the head: the last sequence number stored. */
  static final String CONVERSATIONS = "conversations";
  /** The one DM per pair of users, keyed by the pair. */
  static final String DM_PAIRS = "dm_pairs";
  /** Per tenant, its public rooms' ids (see {@link KeyLists}). */
  static final String PUBLIC_ROOMS = "public_rooms";

  private final MongoClient mongo;
  private final KeyLists publicRooms;

  ConversationStore(MongoClient mongo) {
    this.mongo = mongo;
    this.publicRooms = new KeyLists(mongo, PUBLIC_ROOMS);
  }

  /** Nothing beyond {@code _id}: every lookup is by a key. */
  Future<Void> ensureIndexes() {
    return Future.succeededFuture();
  }

  Future<Void> insert(JsonObject conversation) {
    return mongo.insert(CONVERSATIONS, conversation).compose(v -> listed(conversation));
  }

  /** A public room goes on its tenant's list. */
  Future<Void> listed(JsonObject conversation) {
    return "room".equals(conversation.getString("type")) && "public".equals(conversation.getString("visibility"))
      ? publicRooms.add(conversation.getString("tenant"), conversation.getString("_id"))
      : Future.succeededFuture();
  }

  /**
   * Inserts the conversation unless its id is taken, and answers the one stored: the caller's, or the
   * one a concurrent writer inserted first (the store arbitrates on {@code _id}; used for ids derived
   * from a natural key, e.g. the general room's).
   */
  Future<JsonObject> insertOrFind(JsonObject conversation) {
    String tenant = conversation.getString("tenant");
    String id = conversation.getString("_id");
    return mongo.insert(CONVERSATIONS, conversation).map(inserted -> conversation)
      .recover(err -> MongoErrors.isDuplicateKey(err) ? find(tenant, id) : Future.failedFuture(err))
      .compose(stored -> stored == null
        ? Future.failedFuture(new IllegalStateException("conversation " + id + " exists outside tenant " + tenant))
        // Listed again by every caller: repairs the list if the first writer stopped between the two writes.
        : listed(stored).map(stored));
  }

  /** Inserts unless a document with this id exists; used where the id was reserved first (DMs). */
  Future<Void> insertIfAbsent(JsonObject conversation) {
    JsonObject query = new JsonObject().put("_id", conversation.getString("_id"));
    JsonObject fields = conversation.copy();
    fields.remove("_id");
    return mongo.updateCollectionWithOptions(CONVERSATIONS, query,
      new JsonObject().put("$setOnInsert", fields), new UpdateOptions().setUpsert(true)).mapEmpty();
  }

  /** The conversation, or null when it does not exist in this tenant (looked up by id, then checked). */
  Future<JsonObject> find(String tenant, String id) {
    return mongo.findOne(CONVERSATIONS, new JsonObject().put("_id", id), null)
      .map(found -> found != null && tenant.equals(found.getString("tenant")) ? found : null);
  }

  Future<List<JsonObject>> findAll(String tenant, List<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return mongo.find(CONVERSATIONS, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(ids))))
      .map(found -> found.stream().filter(c -> tenant.equals(c.getString("tenant"))).toList());
  }

  /** The tenant's newest public rooms. */
  Future<List<JsonObject>> publicRooms(String tenant, int limit) {
    return publicRooms.get(tenant).compose(ids -> findAll(tenant, ids)).map(rooms -> rooms.stream()
      .filter(room -> "public".equals(room.getString("visibility")))
      .sorted(Comparator.comparingLong((JsonObject room) -> room.getLong("createdAt", 0L)).reversed())
      .limit(limit).toList());
  }

  /**
   * Keeps each conversation's lastSeq (unread counts, where joiners start) at least at its seq (never
   * moving it down), in one bulk write.
   */
  Future<Void> advanceHeads(Map<String, Long> heads) {
    // By id alone (ids are global UUIDs): a filter with more fields would not be served by an index.
    return Mongo.raiseById(mongo, CONVERSATIONS, "lastSeq", heads);
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

  /** Adds {@code seq} to the conversation's @all seqs, keeping the last {@code kept}. */
  Future<Void> pushBroadcast(String conversationId, long seq, int kept) {
    return mongo.updateCollection(CONVERSATIONS, new JsonObject().put("_id", conversationId), new JsonObject().put("$push",
      new JsonObject().put("broadcastSeqs", new JsonObject().put("$each", new JsonArray().add(seq)).put("$slice", -kept)))).mapEmpty();
  }
}
