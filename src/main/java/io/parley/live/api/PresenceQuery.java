package io.parley.live.api;

import io.parley.common.Fields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** {userIds: [...]}: the current presence of at most {@link #MAX} users. */
public record PresenceQuery(List<String> userIds) {

  public static final int MAX = 100;

  public static PresenceQuery fromJson(JsonObject body) {
    JsonArray ids = Fields.optionalArray(body, "userIds", MAX);
    if (ids.stream().anyMatch(id -> !(id instanceof String s) || s.isEmpty() || s.length() > 64)) {
      throw Fields.invalid("userIds", "must be user ids");
    }
    return new PresenceQuery(ids.stream().map(String.class::cast).distinct().toList());
  }
}
