package io.parley.auth.api;

import io.parley.common.Fields;
import io.vertx.core.json.JsonObject;

/**
 * Credentials to check. Only presence and size are validated: a wrong username or password, however
 * short or odd, is INVALID_CREDENTIALS, so login never tells a client which rule a guess broke.
 */
public record Login(String tenant, String username, String password) {

  public static Login fromJson(JsonObject body) {
    String tenant = Fields.matching(body, "tenant", AuthLimits.TENANT, AuthLimits.TENANT_RULE);
    String username = Fields.requiredString(body, "username", AuthLimits.CREDENTIAL_MAX_BYTES);
    String password = Fields.requiredString(body, "password", AuthLimits.CREDENTIAL_MAX_BYTES);
    return new Login(tenant, username, password);
  }

  public JsonObject toJson() {
    return new JsonObject().put("tenant", tenant).put("username", username).put("password", password);
  }
}
