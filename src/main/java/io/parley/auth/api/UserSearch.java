package io.parley.auth.api;

import io.parley.common.Fields;
import io.parley.common.ToJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The directory's prefix search: users of the caller's tenant whose username or display name starts with
 * {@code q} (case-insensitively), at most {@code limit}; answered with {@link Found}, sorted by username.
 */
public record UserSearch(String q, int limit) implements ToJson {

  public static final int Q_MAX_BYTES = 64;
  public static final int LIMIT_MAX = 50;
  public static final int LIMIT_DEFAULT = 20;

  public static UserSearch fromJson(JsonObject body) {
    String q = Fields.requiredString(body, "q", Q_MAX_BYTES);
    return new UserSearch(q, (int) Fields.optionalLong(body, "limit", 1, LIMIT_MAX, LIMIT_DEFAULT));
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("q", q).put("limit", limit);
  }

  /** What the directory answers (search and lookup by ids alike). */
  public record Found(List<DirectoryUser> users) implements ToJson {

    public static Found fromJson(JsonObject body) {
      return new Found(body.getJsonArray("users").stream().map(u -> DirectoryUser.fromJson((JsonObject) u)).toList());
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("users", new JsonArray(users.stream().map(DirectoryUser::toJson).toList()));
    }
  }
}
