package io.parley.auth.api;

import io.parley.common.ToJson;
import io.vertx.core.json.JsonObject;

/** The caller's own account as {@code GET /api/me} shows it; {@code displayName} is null when none is set. */
public record Profile(String userId, String username, String tenant, String displayName) implements ToJson {

  @Override
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("userId", userId).put("username", username).put("tenant", tenant);
    return displayName == null ? json : json.put("displayName", displayName);
  }
}
