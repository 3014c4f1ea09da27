package io.parley.rooms.api;

import io.parley.common.Fields;
import io.parley.common.ToJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** Delivery stored message {@code seq}, which mentions {@code userIds} (and, with {@code all}, every member). */
public record Mentioned(String conversationId, long seq, List<String> userIds, boolean all) implements ToJson {

  public static Mentioned fromJson(JsonObject body, RoomsLimits limits) {
    long seq = Fields.optionalLong(body, "seq", 1, Long.MAX_VALUE, -1);
    if (seq < 1) {
      throw Fields.invalid("seq", "is required");
    }
    List<String> userIds = Fields.optionalArray(body, "userIds", limits.membersMax()).stream().map(String::valueOf).toList();
    return new Mentioned(RoomsLimits.conversationId(body), seq, userIds, Boolean.TRUE.equals(body.getValue("all")));
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("conversationId", conversationId).put("seq", seq).put("userIds", new JsonArray(userIds)).put("all", all);
  }
}
