package io.parley.rooms.api;

import io.parley.common.ToJson;
import io.vertx.core.json.JsonObject;

/** The caller's membership of one conversation, with the conversation's head. */
public record Membership(String role, long readSeq, long lastSeq, String type) implements ToJson {

  /** The role of a conversation's creator: may also delete others' messages. */
  public static final String OWNER = "owner";

  public boolean owner() {
    return OWNER.equals(role);
  }

  public static Membership fromJson(JsonObject json) {
    return new Membership(json.getString("role"), json.getLong("readSeq", 0L), json.getLong("lastSeq", 0L),
      json.getString("type"));
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("role", role).put("readSeq", readSeq).put("lastSeq", lastSeq).put("type", type);
  }
}
