package io.parley.rooms.api;

import io.parley.common.Fields;
import io.parley.common.ToJson;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {positions: {conversationId: seq}}, one position of the caller per conversation: its read positions
 * (the {@link RoomsAddresses#POSITIONS} answer), or the highest seqs its connections were handed (a
 * {@link RoomsAddresses#DELIVERED} report).
 */
public record Positions(Map<String, Long> seqByConversation) implements ToJson {

  public static Positions fromJson(JsonObject json) {
    Map<String, Long> positions = new LinkedHashMap<>();
    Fields.optionalObject(json, "positions").forEach(e -> {
      if (!(e.getValue() instanceof Number seq) || seq.longValue() < 0
        || e.getKey().length() > RoomsLimits.CONVERSATION_ID_MAX_BYTES) {
        throw Fields.invalid("positions", "must map conversation ids to seqs");
      }
      positions.put(e.getKey(), seq.longValue());
    });
    return new Positions(positions);
  }

  @Override
  public JsonObject toJson() {
    JsonObject positions = new JsonObject();
    seqByConversation.forEach(positions::put);
    return new JsonObject().put("positions", positions);
  }
}
