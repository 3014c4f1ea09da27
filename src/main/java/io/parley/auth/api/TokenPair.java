package io.parley.auth.api;

import io.parley.common.Caller;
import io.parley.common.ToJson;
import io.vertx.core.json.JsonObject;

/** What login and refresh answer: a short-lived access token and the next refresh token. */
public record TokenPair(Caller caller, String accessToken, String refreshToken, int expiresIn) implements ToJson {

  @Override
  public JsonObject toJson() {
    return new JsonObject()
      .put("accessToken", accessToken)
      .put("refreshToken", refreshToken)
      .put("expiresIn", expiresIn)
      .put("tokenType", "Bearer")
      .put("userId", caller.userId())
      .put("username", caller.username())
      .put("tenant", caller.tenant());
  }
}
