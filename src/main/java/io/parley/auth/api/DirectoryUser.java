package io.parley.auth.api;

import io.parley.common.ToJson;
import io.vertx.core.json.JsonObject;

/** A user of the caller's tenant as the directory shows it; {@code displayName} is null when none is set. */
public record DirectoryUser(String userId, String username, String displayName) implements ToJson {

  public static DirectoryUser fromJson(JsonObject json) {
    return new DirectoryUser(json.getString("userId"), json.getString("username"), json.getString("displayName"));
  }

  @Override
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("userId", userId).put("username", username);
    return displayName == null ? json : json.put("displayName", displayName);
  }
}
