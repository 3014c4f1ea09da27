package io.parley.auth.api;

import io.parley.common.Fields;
import io.parley.common.ToJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** Which of these usernames exist in the caller's tenant; answered with {@link ResolvedUsers}. */
public record ResolveUsers(List<String> usernames) implements ToJson {

  public static ResolveUsers fromJson(JsonObject body) {
    JsonArray names = Fields.optionalArray(body, "usernames", AuthLimits.RESOLVE_MAX);
    for (Object name : names) {
      if (!(name instanceof String)) {
        throw Fields.invalid("usernames", "must contain strings");
      }
    }
    return new ResolveUsers(names.stream().map(String.class::cast).toList());
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("usernames", new JsonArray(usernames));
  }

  /** The users found, in no particular order. */
  public record ResolvedUsers(List<UserRef> users) implements ToJson {

    public static ResolvedUsers fromJson(JsonObject body) {
      return new ResolvedUsers(body.getJsonArray("users").stream().map(u -> UserRef.fromJson((JsonObject) u)).toList());
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("users", new JsonArray(users.stream().map(UserRef::toJson).toList()));
    }
  }
}
