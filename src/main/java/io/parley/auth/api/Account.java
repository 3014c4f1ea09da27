package io.parley.auth.api;

import io.parley.common.ToJson;
import io.vertx.core.json.JsonObject;

/** A registered account, as register answers it; {@code displayName} is null when none was given. */
public record Account(String userId, String tenant, String username, String displayName) implements ToJson {

  public Account(String userId, String tenant, String username) {
    this(userId, tenant, username, null);
  }

  @Override
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("userId", userId).put("tenant", tenant).put("username", username);
    return displayName == null ? json : json.put("displayName", displayName);
  }
}
