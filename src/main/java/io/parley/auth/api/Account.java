package io.parley.auth.api;

import io.parley.common.ToJson;
import io.vertx.core.json.JsonObject;

/** A registered account, as register answers it. */
public record Account(String userId, String tenant, String username) implements ToJson {

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("userId", userId).put("tenant", tenant).put("username", username);
  }
}
