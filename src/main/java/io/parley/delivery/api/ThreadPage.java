package io.parley.delivery.api;

import io.parley.common.Fields;
import io.vertx.core.json.JsonObject;

/**
 * {messageId, after?, before?, limit?}: a page of the thread of message {@code messageId} — up to
 * {@code limit} replies after threadSeq {@code after} (exclusive, ascending), else before {@code before},
 * else the newest; -1 stands for "not given". A reply's id pages its root's thread.
 */
public record ThreadPage(MessageRef message, long after, long before, int limit) {

  public static ThreadPage fromJson(JsonObject body, DeliveryLimits limits) {
    return new ThreadPage(MessageRef.fromJson(body),
      Fields.optionalLong(body, "after", 0, Long.MAX_VALUE / 2, -1),
      Fields.optionalLong(body, "before", 1, Long.MAX_VALUE / 2, -1),
      (int) Fields.optionalLong(body, "limit", 1, limits.pageMax(), DeliveryLimits.DEFAULT_PAGE));
  }

  public boolean forward() {
    return after >= 0;
  }
}
