package io.parley.rooms.api;

import io.parley.common.Fields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** {userIds: [...]}: which of these users share a conversation with the caller (at most {@link MembersAmong#MAX}). */
public record ContactsQuery(List<String> userIds) {

  public static ContactsQuery fromJson(JsonObject body) {
    JsonArray ids = Fields.optionalArray(body, "userIds", MembersAmong.MAX);
    if (ids.stream().anyMatch(v -> !(v instanceof String))) {
      throw Fields.invalid("userIds", "must contain strings");
    }
    return new ContactsQuery(ids.stream().map(String.class::cast).toList());
  }

  public JsonObject toJson() {
    return new JsonObject().put("userIds", new JsonArray(userIds));
  }
}
