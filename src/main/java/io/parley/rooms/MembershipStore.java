package io.parley.rooms;

import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;

import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Who is in which conversation; the document id is {@code conversationId:userId}, so joins are idempotent. */
final class MembershipStore {

  /** Owned by rooms: who is in which conversation, with each member's read and delivered positions. */
  static final String MEMBERSHIPS = "memberships";
  /** Owned by rooms: per user ({@code tenant:userId}), the conversations they are in. */
  static final String USER_CONVERSATIONS = "user_conversations";
  /** Owned by rooms: per conversation, its members' user ids. */
  static final String CONVERSATION_MEMBERS = "conversation_members";

  /** The highest seq handed to one of the member's connections, as the gateway reported it (absent: none yet). */
  private static final String DELIVERED_SEQ = "deliveredSeq";

  private final MongoClient mongo;
  private final Clock clock;
  private final KeyLists byUser;
  private final KeyLists byConversation;

  MembershipStore(MongoClient mongo, Clock clock) {
    this.mongo = mongo;
    this.clock = clock;
    this.byUser = new KeyLists(mongo, USER_CONVERSATIONS);
    this.byConversation = new KeyLists(mongo, CONVERSATION_MEMBERS);
  }

  /** Nothing beyond {@code _id}: every lookup is by a key (see {@link KeyLists}); older lists are built once. */
  Future<Void> ensureIndexes() {
    return MembershipListsMigration.run(mongo, this);
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
    Future<Boolean> inserted = mongo.insert(MEMBERSHIPS, membership).map(id -> true)
      .recover(err -> MongoErrors.isDuplicateKey(err) ? Future.succeededFuture(false) : Future.failedFuture(err));
    return inserted.compose(added -> listed(tenant, conversationId, userId).map(added));
  }

  /** Puts the membership on both lists (again: that repairs lists a crash left behind). */
  Future<Void> listed(String tenant, String conversationId, String userId) {
    return Future.all(byUser.add(userKey(tenant, userId), conversationId), byConversation.add(conversationId, userId)).mapEmpty();
  }

  /** Of {@code userIds}, those sharing at least one conversation with {@code userId} (one lookup by key per user). */
  Future<List<String>> contactsOf(String tenant, String userId, List<String> userIds) {
    Future<List<String>> mine = byUser.get(userKey(tenant, userId));
    List<Future<List<String>>> lists = userIds.stream().map(u -> byUser.get(userKey(tenant, u))).toList();
    return Future.all(mine, Future.all(lists)).map(all -> {
      java.util.Set<String> shared = new java.util.HashSet<>(mine.result());
      List<String> contacts = new java.util.ArrayList<>();
      for (int i = 0; i < userIds.size(); i++) {
        if (lists.get(i).result().stream().anyMatch(shared::contains)) {
          contacts.add(userIds.get(i));
        }
      }
      return contacts;
    });
  }

  /**
   * Of {@code userIds}, those already in {@code max} conversations other than {@code conversationId}
   * (one lookup by key per user). Checked before adding, so concurrent adds may pass it by a few.
   */
  Future<List<String>> atLimit(String tenant, List<String> userIds, String conversationId, int max) {
    List<Future<List<String>>> lists = userIds.stream().map(u -> byUser.get(userKey(tenant, u))).toList();
    return Future.all(lists).map(all -> {
      List<String> full = new java.util.ArrayList<>();
      for (int i = 0; i < userIds.size(); i++) {
        List<String> theirs = lists.get(i).result();
        if (theirs.size() >= max && !theirs.contains(conversationId)) {
          full.add(userIds.get(i));
        }
      }
      return full;
    });
  }

  /** True when the user was a member. */
  Future<Boolean> remove(String tenant, String conversationId, String userId) {
    return find(tenant, conversationId, userId).compose(existing -> existing == null ? Future.succeededFuture(false)
      : mongo.removeDocument(MEMBERSHIPS, new JsonObject().put("_id", id(conversationId, userId)))
        .compose(removed -> Future.all(byUser.remove(userKey(tenant, userId), conversationId),
          byConversation.remove(conversationId, userId)).map(true)));
  }

  /** The membership, or null (also for another tenant's: ids are checked against the caller's tenant). */
  Future<JsonObject> find(String tenant, String conversationId, String userId) {
    return mongo.findOne(MEMBERSHIPS, new JsonObject().put("_id", id(conversationId, userId)), null)
      .map(found -> found != null && tenant.equals(found.getString("tenant")) ? found : null);
  }

  Future<List<JsonObject>> ofUser(String tenant, String userId) {
    return byUser.get(userKey(tenant, userId))
      .compose(conversations -> byIds(tenant, conversations.stream().map(c -> id(c, userId)).toList()));
  }

  /** The memberships of these users in the conversation (those who are members). */
  Future<List<JsonObject>> of(String tenant, String conversationId, java.util.Collection<String> userIds) {
    return byIds(tenant, userIds.stream().map(u -> id(conversationId, u)).toList());
  }

  /** The first {@code limit} members by join time. */
  Future<List<JsonObject>> ofConversation(String tenant, String conversationId, int limit) {
    return byConversation.get(conversationId)
      .compose(users -> byIds(tenant, users.stream().map(u -> id(conversationId, u)).toList()))
      .map(members -> members.stream().sorted(Comparator.comparingLong(m -> m.getLong("joinedAt", 0L))).limit(limit).toList());
  }

  private Future<List<JsonObject>> byIds(String tenant, List<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return mongo.find(MEMBERSHIPS, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(ids))))
      .map(found -> found.stream().filter(m -> tenant.equals(m.getString("tenant"))).toList());
  }

  /** Moves the read position forward only; returns the position now stored. */
  Future<Long> markRead(String tenant, String conversationId, String userId, long seq) {
    // The id names the caller's own user, so a lookup by id alone cannot reach another tenant.
    return mongo.findOneAndUpdateWithOptions(MEMBERSHIPS, new JsonObject().put("_id", id(conversationId, userId)),
        new JsonObject().put("$max", new JsonObject().put("readSeq", seq)),
        new FindOptions(), new UpdateOptions().setReturningNewDocument(true))
      .map(updated -> updated == null ? null : updated.getLong("readSeq"));
  }

  /** Sets the member's own mute flag (by membership id); null when not a member (any longer). */
  Future<JsonObject> setMuted(String tenant, String conversationId, String userId, boolean muted) {
    return mongo.findOneAndUpdateWithOptions(MEMBERSHIPS, new JsonObject().put("_id", id(conversationId, userId)),
        new JsonObject().put("$set", new JsonObject().put("muted", muted)),
        new FindOptions(), new UpdateOptions().setReturningNewDocument(true))
      .map(updated -> updated != null && tenant.equals(updated.getString("tenant")) ? updated : null);
  }

  /** Moves each membership's read position (by membership id) up to its seq, in one bulk write. */
  Future<Void> advanceReads(Map<String, Long> reads) {
    return Mongo.raiseById(mongo, MEMBERSHIPS, "readSeq", reads);
  }

  /** Adds {@code seq} to each member's mentioned seqs, keeping the last {@code kept}. */
  Future<Void> pushMentions(String conversationId, List<String> userIds, long seq, int kept) {
    if (userIds.isEmpty()) {
      return Future.succeededFuture();
    }
    JsonObject push = new JsonObject().put("$push", new JsonObject().put("mentionSeqs",
      new JsonObject().put("$each", new JsonArray().add(seq)).put("$slice", -kept)));
    List<BulkOperation> updates = userIds.stream()
      .map(userId -> BulkOperation.createUpdate(new JsonObject().put("_id", id(conversationId, userId)), push)).toList();
    return mongo.bulkWriteWithOptions(MEMBERSHIPS, updates, new BulkWriteOptions(false)).mapEmpty();
  }

  /**
   * Moves the user's delivered positions (conversation → seq) forward only, in one lookup by {@code $in} of
   * ids and one bulk {@code $max} for those behind; answers the ones that moved. Only existing memberships
   * move (never an upsert), and only where neither position is there already.
   */
  Future<Map<String, Long>> deliver(String tenant, String userId, Map<String, Long> seqs) {
    return byIds(tenant, seqs.keySet().stream().map(c -> id(c, userId)).toList()).compose(found -> {
      Map<String, Long> moved = new LinkedHashMap<>();
      Map<String, Long> raises = new HashMap<>();
      for (JsonObject membership : found) {
        String conversationId = membership.getString("conversationId");
        long seq = seqs.get(conversationId);
        if (deliveredSeq(membership) < seq) {
          moved.put(conversationId, seq);
          raises.put(membership.getString("_id"), seq);
        }
      }
      return raises.isEmpty() ? Future.succeededFuture(moved)
        : Mongo.raiseById(mongo, MEMBERSHIPS, DELIVERED_SEQ, raises).map(moved);
    });
  }

  /**
   * How far a member has had messages delivered: reading implies delivery, so it is never below the read
   * position (which a send or a read moves without touching {@code deliveredSeq}).
   */
  static long deliveredSeq(JsonObject membership) {
    return Math.max(membership.getLong(DELIVERED_SEQ, 0L), membership.getLong("readSeq", 0L));
  }

  static String id(String conversationId, String userId) {
    return conversationId + ":" + userId;
  }

  static String userKey(String tenant, String userId) {
    return tenant + ":" + userId;
  }
}
