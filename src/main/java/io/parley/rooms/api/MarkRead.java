package io.parley.rooms.api;

import io.parley.common.Fields;
import io.vertx.core.json.JsonObject;

/** {conversationId, seq}: the caller has read up to {@code seq}; positions only move forward. */
public record MarkRead(String conversationId, long seq) {

  public static MarkRead fromJson(JsonObject body) {
    long seq = Fields.optionalLong(body, "seq", 0, Long.MAX_VALUE, -1);
    if (seq < 0) {
      throw Fields.invalid("seq", "is required");
    }
    return new MarkRead(RoomsLimits.conversationId(body), seq);
  }

  public JsonObject toJson() {
    return new JsonObject().put("conversationId", conversationId).put("seq", seq);
  }
}
