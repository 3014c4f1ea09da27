package io.parley.delivery;

import io.parley.common.Caller;
import io.parley.common.Failure;
import io.parley.delivery.api.DeliveryError;
import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;

import java.time.Clock;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * Where a message gets its sequence number. The next number is one past the highest stored, and the
 * unique index on (conversationId, seq) lets exactly one writer have it; the loser re-reads and tries
 * the next. Numbers therefore never repeat and never skip, across instances and restarts, and no
 * counter can run ahead of the messages actually stored.
 */
final class MessageLog {

  /** Owned by delivery: unique (conversationId, seq) and (conversationId, senderId, clientMsgId). */
  static final String MESSAGES = "messages";
  private static final int MAX_ATTEMPTS = 64;

  private final MongoClient mongo;
  private final Clock clock;

  MessageLog(MongoClient mongo, Clock clock) {
    this.mongo = mongo;
    this.clock = clock;
  }

  Future<Void> ensureIndexes() {
    return Future.all(
      Mongo.index(mongo, MESSAGES, new JsonObject().put("conversationId", 1).put("seq", 1), true),
      Mongo.index(mongo, MESSAGES,
        new JsonObject().put("conversationId", 1).put("senderId", 1).put("clientMsgId", 1), true)).mapEmpty();
  }

  /** Stores the message once; a resent clientMsgId yields the stored message with {@code duplicate} set. */
  Future<Appended> append(Caller sender, String conversationId, String clientMsgId, String text) {
    return findByClientId(sender, conversationId, clientMsgId).compose(existing -> existing != null
      ? duplicate(existing, text)
      : attempt(sender, conversationId, clientMsgId, text, 1));
  }

  private Future<Appended> attempt(Caller sender, String conversationId, String clientMsgId, String text, int attempt) {
    return lastSeq(sender.tenant(), conversationId).compose(last -> {
      JsonObject message = new JsonObject()
        .put("_id", UUID.randomUUID().toString())
        .put("tenant", sender.tenant())
        .put("conversationId", conversationId)
        .put("seq", last + 1)
        .put("senderId", sender.userId())
        .put("senderName", sender.username())
        .put("clientMsgId", clientMsgId)
        .put("text", text)
        .put("createdAt", clock.millis());
      return mongo.insert(MESSAGES, message)
        .map(v -> new Appended(message, false))
        .recover(err -> {
          if (!MongoErrors.isDuplicateKey(err)) {
            return Future.failedFuture(err);
          }
          // Either our own resend raced us, or another writer took this seq: tell them apart by reading.
          return findByClientId(sender, conversationId, clientMsgId).compose(existing -> {
            if (existing != null) {
              return duplicate(existing, text);
            }
            if (attempt >= MAX_ATTEMPTS) {
              return Failure.fail(DeliveryError.SEQUENCE_CONTENTION, "too many concurrent senders; resend with the same clientMsgId");
            }
            return attempt(sender, conversationId, clientMsgId, text, attempt + 1);
          });
        });
    });
  }

  /** Messages in ascending seq order: after {@code after} (exclusive) or, if negative, before {@code before}. */
  Future<List<JsonObject>> page(String tenant, String conversationId, long after, long before, int limit) {
    JsonObject range = new JsonObject();
    if (after >= 0) {
      range.put("$gt", after);
    }
    if (before >= 0) {
      range.put("$lt", before);
    }
    JsonObject query = new JsonObject().put("tenant", tenant).put("conversationId", conversationId);
    if (!range.isEmpty()) {
      query.put("seq", range);
    }
    boolean forward = after >= 0;
    FindOptions options = new FindOptions().setSort(new JsonObject().put("seq", forward ? 1 : -1)).setLimit(limit);
    return mongo.findWithOptions(MESSAGES, query, options).map(found -> {
      if (!forward) {
        Collections.reverse(found);
      }
      return found;
    });
  }

  private Future<Long> lastSeq(String tenant, String conversationId) {
    FindOptions newest = new FindOptions().setSort(new JsonObject().put("seq", -1)).setLimit(1)
      .setFields(new JsonObject().put("seq", 1));
    return mongo.findWithOptions(MESSAGES,
        new JsonObject().put("tenant", tenant).put("conversationId", conversationId), newest)
      .map(found -> found.isEmpty() ? 0L : found.get(0).getLong("seq"));
  }

  private Future<JsonObject> findByClientId(Caller sender, String conversationId, String clientMsgId) {
    return mongo.findOne(MESSAGES, new JsonObject()
      .put("conversationId", conversationId)
      .put("senderId", sender.userId())
      .put("clientMsgId", clientMsgId)
      .put("tenant", sender.tenant()), null);
  }

  private Future<Appended> duplicate(JsonObject existing, String text) {
    if (!existing.getString("text").equals(text)) {
      return Failure.fail(DeliveryError.CLIENT_MSG_ID_REUSED, "clientMsgId was already used for a different message");
    }
    return Future.succeededFuture(new Appended(existing, true));
  }

  record Appended(JsonObject message, boolean duplicate) {
  }
}
