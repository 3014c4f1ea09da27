package io.parley.rooms.api;

import io.parley.common.Fields;
import io.parley.common.ToJson;
import io.vertx.core.json.JsonObject;

/** Delivery stored message {@code seq} of a conversation for the calling sender. */
public record Appended(String conversationId, long seq) implements ToJson {

  public static Appended fromJson(JsonObject body) {
    long seq = Fields.optionalLong(body, "seq", 1, Long.MAX_VALUE, -1);
    if (seq < 1) {
      throw Fields.invalid("seq", "is required");
    }
    return new Appended(RoomsLimits.conversationId(body), seq);
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("conversationId", conversationId).put("seq", seq);
  }
}
