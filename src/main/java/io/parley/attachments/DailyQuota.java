package io.parley.attachments;

import io.parley.common.Caller;
import io.parley.common.RetryAfter;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;

/**
 * Bytes each user may upload per UTC day ({@code attachments.bytes_per_user_per_day}), counted in
 * {@code attachment_quota} under {@code _id = tenant/userId/day} (an exact key: one document per user
 * and day, shared by every instance). An upload's bytes are taken once its size is known and given back
 * when it is refused afterwards. Old days' documents carry {@code expiresAt}, which a TTL index on a real MongoDB honours.
 */
final class DailyQuota {

  static final String QUOTA = "attachment_quota";
  private static final long DAY_MS = 86_400_000L;

  private final MongoClient mongo;
  private final long bytesPerDay;
  private final Clock clock;

  DailyQuota(MongoClient mongo, long bytesPerDay, Clock clock) {
    this.mongo = mongo;
    this.bytesPerDay = bytesPerDay;
    this.clock = clock;
  }

  /** A real MongoDB drops past days' documents by their {@code expiresAt} (the embedded store keeps them: it never expires). */
  static Future<Void> expireOldDays(MongoClient mongo) {
    return mongo.createIndexWithOptions(QUOTA, new JsonObject().put("expiresAt", 1),
      new IndexOptions().expireAfter(0L, TimeUnit.SECONDS));
  }

  /** Refuses before the body is read when the day's bytes are already spent. */
  Future<Void> admit(Caller caller) {
    return mongo.findOne(QUOTA, key(caller), null).compose(used -> used != null && used.getLong("bytes", 0L) >= bytesPerDay
      ? refused() : Future.succeededFuture());
  }

  /** Counts {@code bytes} against today's; refuses (and counts nothing) past the bound. */
  Future<Void> take(Caller caller, long bytes) {
    long day = clock.millis() / DAY_MS;
    return mongo.findOneAndUpdateWithOptions(QUOTA, key(caller),
        new JsonObject().put("$inc", new JsonObject().put("bytes", bytes))
          .put("$setOnInsert", new JsonObject().put("expiresAt", new JsonObject().put("$date", Instant.ofEpochMilli((day + 2) * DAY_MS).toString()))),
        new FindOptions(), new UpdateOptions().setUpsert(true).setReturningNewDocument(true))
      .compose(used -> used.getLong("bytes") <= bytesPerDay ? Future.<Void>succeededFuture()
        : giveBack(caller, bytes).compose(v -> refused()));
  }

  Future<Void> giveBack(Caller caller, long bytes) {
    return mongo.updateCollection(QUOTA, key(caller), new JsonObject().put("$inc", new JsonObject().put("bytes", -bytes))).mapEmpty();
  }

  private JsonObject key(Caller caller) {
    LocalDate day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    return new JsonObject().put("_id", caller.tenant() + "/" + caller.userId() + "/" + day);
  }

  private <T> Future<T> refused() {
    long untilMidnight = DAY_MS - clock.millis() % DAY_MS;
    return Future.failedFuture(RetryAfter.rateLimited("the day's upload allowance of " + bytesPerDay
      + " bytes is used up", (untilMidnight + 999) / 1000));
  }
}
