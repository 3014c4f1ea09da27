package io.parley.rooms.api;

import io.parley.common.Fields;
import io.parley.common.ToJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * {conversationId, userIds?, usernames?}: which of these users (by id, or by name in any case) are members
 * of the conversation now; answered {members: [{userId, username}]}. Looks up only the users named, so it
 * costs the same in a room of ten as in a room of ten thousand.
 */
public record MembersAmong(String conversationId, List<String> userIds, List<String> usernames) implements ToJson {

  /** Users one request may ask about. */
  public static final int MAX = 1000;

  public static MembersAmong fromJson(JsonObject body) {
    return new MembersAmong(RoomsLimits.conversationId(body), strings(body, "userIds"), strings(body, "usernames"));
  }

  private static List<String> strings(JsonObject body, String field) {
    JsonArray values = Fields.optionalArray(body, field, MAX);
    if (values.stream().anyMatch(v -> !(v instanceof String))) {
      throw Fields.invalid(field, "must contain strings");
    }
    return values.stream().map(String.class::cast).toList();
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("conversationId", conversationId)
      .put("userIds", new JsonArray(userIds)).put("usernames", new JsonArray(usernames));
  }
}
