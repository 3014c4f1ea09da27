package io.parley.delivery.api;

import io.parley.common.Fields;
import io.parley.rooms.api.RoomsLimits;
import io.vertx.core.json.JsonObject;

/**
 * {conversationId, after?, before?, limit?}: up to {@code limit} messages after {@code after}
 * (exclusive, ascending), else before {@code before}, else the newest; -1 stands for "not given".
 */
public record HistoryPage(String conversationId, long after, long before, int limit) {

  public static HistoryPage fromJson(JsonObject body, DeliveryLimits limits) {
    return new HistoryPage(RoomsLimits.conversationId(body),
      Fields.optionalLong(body, "after", 0, Long.MAX_VALUE, -1),
      Fields.optionalLong(body, "before", 1, Long.MAX_VALUE, -1),
      (int) Fields.optionalLong(body, "limit", 1, limits.pageMax(), DeliveryLimits.DEFAULT_PAGE));
  }

  public boolean forward() {
    return after >= 0;
  }
}
