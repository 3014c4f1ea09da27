package io.parley.auth.api;

import io.parley.common.Fields;
import io.vertx.core.json.JsonObject;

/**
 * A new account's request; the password rules apply here, at registration, and nowhere else. The display
 * name is optional (null: none).
 */
public record Registration(String tenant, String username, String password, String displayName) {

  public Registration(String tenant, String username, String password) {
    this(tenant, username, password, null);
  }

  public static Registration fromJson(JsonObject body) {
    String tenant = Fields.matching(body, "tenant", AuthLimits.TENANT, AuthLimits.TENANT_RULE);
    String username = Fields.matching(body, "username", AuthLimits.USERNAME, AuthLimits.USERNAME_RULE);
    String password = Fields.requiredString(body, "password", AuthLimits.PASSWORD_MAX_BYTES);
    if (password.length() < AuthLimits.PASSWORD_MIN) {
      throw Fields.invalid("password", "must be at least " + AuthLimits.PASSWORD_MIN + " characters");
    }
    return new Registration(tenant, username, password, DisplayNames.of(body, false));
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("tenant", tenant).put("username", username).put("password", password);
    return displayName == null ? json : json.put("displayName", displayName);
  }
}
