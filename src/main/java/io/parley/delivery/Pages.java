package io.parley.delivery;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** A page of messages as clients get it: history, thread and sync pages alike. */
final class Pages {

  private Pages() {
  }

  /** Trims the one-extra lookahead row; it only tells whether there is more in the paging direction. */
  static JsonObject page(List<JsonObject> found, int limit, boolean forward) {
    boolean hasMore = found.size() > limit;
    List<JsonObject> kept = !hasMore ? found : forward ? found.subList(0, limit) : found.subList(found.size() - limit, found.size());
    return new JsonObject()
      .put("messages", new JsonArray(kept.stream().map(MessageView::of).toList()))
      .put("hasMore", hasMore);
  }
}
