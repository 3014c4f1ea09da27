package io.parley.attachments;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;

import java.util.List;

/**
 * Removes uploads that no message took within {@code attachments.unclaimed_ttl_seconds}. Each upload is
 * listed under the minute it was made ({@code attachment_pending}, {@code _id = b:<minute>}: its id in
 * {@code ids}, the files it is about to write under {@code files.<id>}) before a byte is stored, and a
 * cursor document holds the oldest minute not yet swept: a sweep reads the due minutes by key (never a
 * range over uploads, which the embedded store would scan), claims each upload as {@link AttachmentStore#EXPIRED}
 * (losing to a message that claimed it first) and removes those it took — or, for an upload whose node
 * died before its record was written, the files it listed. Every instance sweeps; two sweeping the same
 * minute do the same idempotent work. The TTL must outlast the storing of the largest upload.
 */
final class UnclaimedSweep {

  static final String PENDING = "attachment_pending";
  static final long BUCKET_MS = 60_000;
  /** Minutes one sweep looks at, at most: after a long stop it catches up over several ticks. */
  private static final int MINUTES_PER_SWEEP = 240;
  private static final String CURSOR = "cursor";

  private final MongoClient mongo;
  private final AttachmentStore store;
  private final Discards discards;
  private final long ttlMs;

  UnclaimedSweep(MongoClient mongo, AttachmentStore store, Discards discards, long ttlMs) {
    this.mongo = mongo;
    this.store = store;
    this.discards = discards;
    this.ttlMs = ttlMs;
  }

  /** Lists an upload made at {@code at} and the files it will write, before any is written: a crash leaves nothing unlisted. */
  Future<Void> pending(String attachmentId, long at, List<FileStore.Stored> files) {
    long minute = at / BUCKET_MS;
    UpdateOptions upsert = new UpdateOptions().setUpsert(true);
    return mongo.updateCollectionWithOptions(PENDING, new JsonObject().put("_id", CURSOR),
        new JsonObject().put("$min", new JsonObject().put("minute", minute)), upsert)
      .compose(v -> mongo.updateCollectionWithOptions(PENDING, new JsonObject().put("_id", bucket(minute)),
        new JsonObject().put("$addToSet", new JsonObject().put("ids", attachmentId))
          .put("$set", new JsonObject().put("files." + attachmentId, new JsonArray(files.stream().map(FileStore.Stored::toJson).toList()))),
        upsert))
      .mapEmpty();
  }

  /** Sweeps the minutes that are due at {@code now}; yields how many uploads it removed. */
  Future<Integer> sweep(long now) {
    long due = (now - ttlMs) / BUCKET_MS - 1;
    return mongo.findOne(PENDING, new JsonObject().put("_id", CURSOR), null).compose(cursor -> {
      if (cursor == null) {
        return Future.succeededFuture(0);
      }
      long from = cursor.getLong("minute");
      long to = Math.min(due, from + MINUTES_PER_SWEEP - 1);
      if (to < from) {
        return Future.succeededFuture(0);
      }
      Future<Integer> removed = Future.succeededFuture(0);
      for (long minute = from; minute <= to; minute++) {
        long m = minute;
        removed = removed.compose(count -> sweepMinute(m).map(n -> count + n));
      }
      return removed.compose(count -> mongo.updateCollection(PENDING, new JsonObject().put("_id", CURSOR),
        new JsonObject().put("$max", new JsonObject().put("minute", to + 1))).map(count));
    });
  }

  private Future<Integer> sweepMinute(long minute) {
    return mongo.findOne(PENDING, new JsonObject().put("_id", bucket(minute)), null).compose(listed -> {
      List<String> ids = listed == null ? List.of() : listed.getJsonArray("ids").stream().map(String::valueOf).toList();
      JsonObject files = listed == null ? new JsonObject() : listed.getJsonObject("files", new JsonObject());
      Future<Integer> removed = Future.succeededFuture(0);
      for (String id : ids) {
        List<FileStore.Stored> written = files.getJsonArray(id, new JsonArray()).stream()
          .map(f -> FileStore.Stored.fromJson((JsonObject) f)).toList();
        removed = removed.compose(count -> expire(id, written).map(done -> done ? count + 1 : count));
      }
      return removed.compose(count -> mongo.removeDocument(PENDING, new JsonObject().put("_id", bucket(minute))).map(count));
    });
  }

  /**
   * True when the upload was unclaimed (or already expired by another sweeper) and is now removed; with no
   * record (its node died while storing it, or it was refused), the files it listed go.
   */
  private Future<Boolean> expire(String attachmentId, List<FileStore.Stored> listed) {
    return store.claim(attachmentId, AttachmentStore.EXPIRED).compose(holder -> {
      if (holder != null && !AttachmentStore.EXPIRED.equals(holder)) {
        return Future.succeededFuture(false);
      }
      return store.find(attachmentId).compose(record -> record != null ? discards.remove(record).map(true)
        : discards.removeFiles(listed).compose(v -> store.release(attachmentId)).map(false));
    });
  }

  private static String bucket(long minute) {
    return "b:" + minute;
  }
}
