package io.parley.auth.api;

import io.parley.common.Fields;
import io.vertx.core.json.JsonObject;

/** A new account's request; the password rules apply here, at registration, and nowhere else. */
public record Registration(String tenant, String username, String password) {

  public static Registration fromJson(JsonObject body) {
    String tenant = Fields.matching(body, "tenant", AuthLimits.TENANT, AuthLimits.TENANT_RULE);
    String username = Fields.matching(body, "username", AuthLimits.USERNAME, AuthLimits.USERNAME_RULE);
    String password = Fields.requiredString(body, "password", AuthLimits.PASSWORD_MAX_BYTES);
    if (password.length() < AuthLimits.PASSWORD_MIN) {
      throw Fields.invalid("password", "must be at least " + AuthLimits.PASSWORD_MIN + " characters");
    }
    return new Registration(tenant, username, password);
  }

  public JsonObject toJson() {
    return new JsonObject().put("tenant", tenant).put("username", username).put("password", password);
  }
}
