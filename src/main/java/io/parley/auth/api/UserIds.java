package io.parley.auth.api;

import io.parley.common.Fields;
import io.parley.common.ToJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The directory's lookup by ids: those of the caller's tenant that exist, answered with {@link UserSearch.Found}. */
public record UserIds(List<String> ids) implements ToJson {

  public static final int MAX = 100;
  /** Longer than any user id: such an entry is refused rather than looked up. */
  public static final int ID_MAX_CHARS = 64;

  public static UserIds fromJson(JsonObject body) {
    if (!body.containsKey("ids")) {
      throw Fields.invalid("ids", "is required");
    }
    JsonArray ids = Fields.optionalArray(body, "ids", MAX);
    if (ids.isEmpty()) {
      throw Fields.invalid("ids", "must name at least one user id");
    }
    for (Object id : ids) {
      if (!(id instanceof String text) || text.isBlank() || text.length() > ID_MAX_CHARS) {
        throw Fields.invalid("ids", "must be user ids (1-" + ID_MAX_CHARS + " characters each)");
      }
    }
    return new UserIds(ids.stream().map(String.class::cast).distinct().toList());
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("ids", new JsonArray(ids));
  }
}
