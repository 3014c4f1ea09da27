package io.parley.rooms.api;

import io.parley.common.ToJson;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/** Every conversation of the caller with the caller's read position in it. */
public record Positions(Map<String, Long> readSeqByConversation) implements ToJson {

  public static Positions fromJson(JsonObject json) {
    Map<String, Long> positions = new LinkedHashMap<>();
    json.getJsonObject("positions").forEach(e -> positions.put(e.getKey(), ((Number) e.getValue()).longValue()));
    return new Positions(positions);
  }

  @Override
  public JsonObject toJson() {
    JsonObject positions = new JsonObject();
    readSeqByConversation.forEach(positions::put);
    return new JsonObject().put("positions", positions);
  }
}
