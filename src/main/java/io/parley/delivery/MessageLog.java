package io.parley.delivery;

import io.parley.common.Caller;
import io.parley.common.Failure;
import io.parley.delivery.api.DeliveryError;
import io.parley.store.BatchedInserts;
import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where a message gets its sequence number. A message's id is derived from its place,
 * {@code <conversationId>:<seq>}, so the store itself arbitrates: of all writers trying the next
 * number exactly one insert succeeds, a loser learns it from the duplicate key and tries the number
 * after. Numbers never repeat and never skip, across instances and restarts, and no counter can run
 * ahead of the messages stored. The writer starts from a head it already knows (its own last append,
 * or the head rooms keeps), never from a read; a stale head only costs a retry.
 *
 * <p>Every lookup is by exact key — an id, a list of ids (a page after N is the ids N+1…N+k, since
 * seqs have no gaps), or the three fields of the unique dedup index — so the embedded store answers
 * it from an index, as a real MongoDB does, however much is stored.
 */
final class MessageLog {

  /** Owned by delivery. {@code _id} = conversationId:seq; unique (conversationId, senderId, clientMsgId). */
  static final String MESSAGES = "messages";
  private static final int MAX_ATTEMPTS = 64;

  /** Sends to different conversations arriving together share one insert command. */
  private static final int INSERT_BATCH_MAX = 256;

  private final MongoClient mongo;
  private final BatchedInserts inserts;
  private final Clock clock;
  private final Heads heads = new Heads();

  MessageLog(MongoClient mongo, Clock clock) {
    this.mongo = mongo;
    this.inserts = new BatchedInserts(mongo, MESSAGES, INSERT_BATCH_MAX);
    this.clock = clock;
  }

  static String id(String conversationId, long seq) {
    return conversationId + ":" + seq;
  }

  Future<Void> ensureIndexes() {
    return Mongo.index(mongo, MESSAGES, new JsonObject().put("conversationId", 1).put("senderId", 1).put("clientMsgId", 1), true)
      .compose(v -> MessageIdMigration.run(mongo));
  }

  /**
   * Stores the message once; a resent clientMsgId yields the stored message with {@code duplicate} set.
   *
   * @param extra fields the message is stored with besides its own (thread, mentions)
   * @param knownHead a seq known to be stored in the conversation (0 if none), e.g. the head rooms keeps
   */
  Future<Appended> append(Caller sender, String conversationId, String clientMsgId, String text, JsonObject extra, long knownHead) {
    return attempt(sender, conversationId, clientMsgId, text, extra, Math.max(knownHead, heads.get(conversationId)) + 1, 1);
  }

  private Future<Appended> attempt(Caller sender, String conversationId, String clientMsgId, String text, JsonObject extra,
                                   long seq, int attempt) {
    JsonObject message = extra.copy()
      .put("_id", id(conversationId, seq))
      .put("tenant", sender.tenant())
      .put("conversationId", conversationId)
      .put("seq", seq)
      .put("senderId", sender.userId())
      .put("senderName", sender.username())
      .put("clientMsgId", clientMsgId)
      .put("text", text)
      .put("createdAt", clock.millis());
    return inserts.insert(message)
      .map(v -> {
        heads.advance(conversationId, seq);
        return new Appended(message, false);
      })
      .recover(err -> {
        if (!MongoErrors.isDuplicateKey(err)) {
          return Future.failedFuture(err);
        }
        // Either this is a resend (the dedup key exists) or another writer has this seq: tell them apart.
        return findByClientId(sender, conversationId, clientMsgId).compose(existing -> {
          if (existing != null) {
            return duplicate(existing, text);
          }
          heads.advance(conversationId, seq);
          if (attempt >= MAX_ATTEMPTS) {
            return Failure.fail(DeliveryError.SEQUENCE_CONTENTION, "too many concurrent senders; resend with the same clientMsgId");
          }
          // Appends to one conversation are queued within an instance, so a collision means another
          // instance wrote meanwhile and the known head is behind: find the real one by id lookups.
          return probeHead(conversationId, seq)
            .compose(head -> attempt(sender, conversationId, clientMsgId, text, extra, head + 1, attempt + 1));
        });
      });
  }

  /**
   * Messages in ascending seq order: after {@code after} (exclusive) or, if negative, before
   * {@code before}, or if both are negative the newest ({@code knownHead} is a seq known to be stored;
   * the real head is found from there, since other instances may have written since).
   */
  Future<List<JsonObject>> page(String tenant, String conversationId, long after, long before, int limit, long knownHead) {
    return PageWindow.of(after, before, limit, () -> probeHead(conversationId, Math.max(knownHead, heads.get(conversationId))))
      .compose(window -> byIds(tenant, conversationId, window.from(), window.to()));
  }

  /** One message of the tenant by its place, or null. */
  Future<JsonObject> find(String tenant, String conversationId, long seq) {
    return mongo.findOne(MESSAGES, new JsonObject().put("_id", id(conversationId, seq)), null)
      .map(found -> found != null && tenant.equals(found.getString("tenant")) ? found : null);
  }

  /** Messages of the tenant by their seqs, in ascending order (missing ones left out). */
  Future<List<JsonObject>> bySeqs(String tenant, String conversationId, List<Long> seqs) {
    if (seqs.isEmpty()) {
      return Future.succeededFuture(new ArrayList<>());
    }
    return ofTenant(tenant, mongo.find(MESSAGES, new JsonObject().put("_id", new JsonObject()
      .put("$in", new JsonArray(seqs.stream().distinct().map(seq -> id(conversationId, seq)).toList())))));
  }

  /**
   * Updates one message in place (by {@code _id} alone, so an index serves it) and yields the document
   * as it was before, or null when there is none: a change's writer learns whether it overwrote a later one.
   */
  Future<JsonObject> rewrite(String messageId, JsonObject update) {
    return mongo.findOneAndUpdateWithOptions(MESSAGES, new JsonObject().put("_id", messageId), update,
      new FindOptions(), new UpdateOptions().setReturningNewDocument(false));
  }

  /** Updates one message in place by {@code _id} and yields it as it is after, or null when there is none. */
  Future<JsonObject> update(String messageId, JsonObject update) {
    return mongo.findOneAndUpdateWithOptions(MESSAGES, new JsonObject().put("_id", messageId), update,
      new FindOptions(), new UpdateOptions().setReturningNewDocument(true));
  }

  /** Seqs {@code from}..{@code to} of the conversation, as one lookup of their ids. */
  private Future<List<JsonObject>> byIds(String tenant, String conversationId, long from, long to) {
    List<String> ids = new ArrayList<>();
    for (long seq = from; seq <= to; seq++) {
      ids.add(id(conversationId, seq));
    }
    if (ids.isEmpty()) {
      return Future.succeededFuture(new ArrayList<>());
    }
    return ofTenant(tenant, mongo.find(MESSAGES, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(ids)))));
  }

  private static Future<List<JsonObject>> ofTenant(String tenant, Future<List<JsonObject>> lookup) {
    return lookup.map(found -> {
        // Conversation ids are global, so this only guards against a caller naming another tenant's.
        List<JsonObject> mine = new ArrayList<>(found.stream().filter(m -> tenant.equals(m.getString("tenant"))).toList());
        mine.sort(Comparator.comparingLong(m -> m.getLong("seq")));
        return mine;
      });
  }

  /**
   * The highest stored seq, given that {@code stored} is: gallops forward (stored+1, +2, +4, …) and then
   * bisects, by id lookups only. Seqs have no gaps, so "exists" holds up to the head and not after it.
   */
  Future<Long> probeHead(String conversationId, long stored) {
    return HeadProbe.from(stored, seq -> exists(conversationId, seq)).onSuccess(head -> heads.advance(conversationId, head));
  }

  private Future<Boolean> exists(String conversationId, long seq) {
    return mongo.findOne(MESSAGES, new JsonObject().put("_id", id(conversationId, seq)), new JsonObject().put("_id", 1))
      .map(found -> found != null);
  }

  /** The dedup lookup: exactly the unique index's fields, so an index answers it. */
  /** The sender's message sent with this clientMsgId, or null. */
  Future<JsonObject> findByClientId(Caller sender, String conversationId, String clientMsgId) {
    return mongo.findOne(MESSAGES, new JsonObject()
      .put("conversationId", conversationId)
      .put("senderId", sender.userId())
      .put("clientMsgId", clientMsgId), null)
      .map(found -> found != null && sender.tenant().equals(found.getString("tenant")) ? found : null);
  }

  /**
   * A resend is compared with the text as sent: an edited message keeps it as {@code originalText}; a
   * deleted one keeps no text at all, so its resend is answered with the tombstone.
   */
  private Future<Appended> duplicate(JsonObject existing, String text) {
    String sent = existing.getString("originalText", existing.getString("text"));
    if (!existing.getBoolean("deleted", false) && !text.equals(sent)) {
      return Failure.fail(DeliveryError.CLIENT_MSG_ID_REUSED, "clientMsgId was already used for a different message");
    }
    return Future.succeededFuture(new Appended(existing, true));
  }

  record Appended(JsonObject message, boolean duplicate) {
  }
}
