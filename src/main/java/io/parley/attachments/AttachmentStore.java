package io.parley.attachments;

import io.parley.attachments.api.Attachment;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

/**
 * The attachment records ({@code attachments}, by {@code _id} = attachmentId: tenant, conversation,
 * uploader, name, size, detected type, sha256, scan verdict, the stored file and preview) and who holds
 * each ({@code attachment_claims}, {@code _id} = attachmentId, {@code by} = the message that took it, or
 * {@link #EXPIRED} when the sweep took it first). A claim is one insert under a unique key, so of a
 * message and the sweep, or two messages, exactly one wins, across instances; the loser reads who did.
 */
final class AttachmentStore {

  static final String RECORDS = "attachments";
  static final String CLAIMS = "attachment_claims";
  /** The claim of an upload no message took in time: the sweep removes it. */
  static final String EXPIRED = "expired";

  private final MongoClient mongo;

  AttachmentStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  Future<Void> insert(JsonObject record) {
    return mongo.insert(RECORDS, record).mapEmpty();
  }

  /** The record, or null. */
  Future<JsonObject> find(String attachmentId) {
    return mongo.findOne(RECORDS, byId(attachmentId), null);
  }

  /** Claims the attachment for {@code by}: null when this call took it, else whoever holds it (maybe {@code by} again). */
  Future<String> claim(String attachmentId, String by) {
    return mongo.insert(CLAIMS, byId(attachmentId).put("by", by)).<String>map(id -> null).recover(err -> {
      if (!MongoErrors.isDuplicateKey(err)) {
        return Future.failedFuture(err);
      }
      return holder(attachmentId).compose(holder -> holder == null ? claim(attachmentId, by) : Future.succeededFuture(holder));
    });
  }

  /** Who holds the attachment: a message's claim, {@link #EXPIRED}, or null (nobody yet). */
  Future<String> holder(String attachmentId) {
    return mongo.findOne(CLAIMS, byId(attachmentId), null).map(claim -> claim == null ? null : claim.getString("by"));
  }

  /** Gives back a claim this call made (a message that failed to take all its attachments takes none). */
  Future<Void> release(String attachmentId) {
    return mongo.removeDocument(CLAIMS, byId(attachmentId)).mapEmpty();
  }

  /** Removes the record and its claim (the files first: see {@link Discards}). */
  Future<Void> remove(String attachmentId) {
    return mongo.removeDocument(RECORDS, byId(attachmentId))
      .compose(v -> mongo.removeDocument(CLAIMS, byId(attachmentId))).mapEmpty();
  }

  /** The attachment as clients see it, from its record. */
  static Attachment summary(JsonObject record) {
    JsonObject image = record.getJsonObject("image");
    return new Attachment(record.getString("_id"), record.getString("name"), record.getLong("size"),
      record.getString("contentType"), record.getString("sha256"),
      image == null ? null : image.getInteger("width"), image == null ? null : image.getInteger("height"),
      record.getJsonObject("preview") != null);
  }

  private static JsonObject byId(String id) {
    return new JsonObject().put("_id", id);
  }
}
