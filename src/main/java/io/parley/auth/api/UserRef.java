package io.parley.auth.api;

import io.parley.common.ToJson;
import io.vertx.core.json.JsonObject;

/** A user of the caller's tenant, as other concerns name members. */
public record UserRef(String userId, String username) implements ToJson {

  public static UserRef fromJson(JsonObject json) {
    return new UserRef(json.getString("userId"), json.getString("username"));
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("userId", userId).put("username", username);
  }
}
