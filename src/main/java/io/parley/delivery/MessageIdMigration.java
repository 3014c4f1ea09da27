package io.parley.delivery;

import io.parley.store.Migrations;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

/**
 * Messages stored before ids were derived from their place had random ids: each is rewritten once as
 * {@code <conversationId>:<seq>} (inserted under the new id, then the old one removed), so that pages
 * and heads are exact-key lookups. Reads the collection once, one document at a time.
 */
final class MessageIdMigration {

  static final String NAME = "delivery.message-ids-by-place";

  private MessageIdMigration() {
  }

  static Future<Void> run(MongoClient mongo) {
    return Migrations.once(mongo, NAME, () -> rewrite(mongo));
  }

  private static Future<Integer> rewrite(MongoClient mongo) {
    return Migrations.forEach(mongo, MessageLog.MESSAGES, message -> {
      String placed = MessageLog.id(message.getString("conversationId"), message.getLong("seq"));
      return placed.equals(message.getString("_id")) ? Future.succeededFuture(false) : move(mongo, message, placed).map(true);
    });
  }

  /**
   * The old document keeps the dedup key until the new one exists, so first its key is parked (the
   * original kept in {@code movingClientMsgId}), then the copy is inserted under its place, then the old
   * one removed. Interrupted at any step, the next run finishes it; nothing is removed before its copy
   * is stored.
   */
  private static Future<Void> move(MongoClient mongo, JsonObject message, String placed) {
    String old = message.getString("_id");
    String clientMsgId = message.getString("movingClientMsgId", message.getString("clientMsgId"));
    JsonObject park = new JsonObject().put("$set", new JsonObject()
      .put("movingClientMsgId", clientMsgId).put("clientMsgId", clientMsgId + "\u0000moving\u0000" + old));
    JsonObject copy = message.copy().put("_id", placed).put("clientMsgId", clientMsgId);
    copy.remove("movingClientMsgId");
    return mongo.updateCollection(MessageLog.MESSAGES, new JsonObject().put("_id", old), park)
      .compose(v -> mongo.insert(MessageLog.MESSAGES, copy).<Void>mapEmpty().recover(err -> !MongoErrors.isDuplicateKey(err)
        ? Future.failedFuture(err)
        : mongo.findOne(MessageLog.MESSAGES, new JsonObject().put("_id", placed), null).compose(stored -> stored != null
          ? Future.succeededFuture()
          : Future.failedFuture(new IllegalStateException("cannot move message " + old + " to " + placed + ": " + err)))))
      .compose(v -> mongo.removeDocument(MessageLog.MESSAGES, new JsonObject().put("_id", old)))
      .mapEmpty();
  }
}
