package io.parley.rooms.api;

import io.parley.common.ToJson;
import io.vertx.core.json.JsonObject;

/**
 * The caller's membership of one conversation, with the conversation's head. {@code muted} is the
 * member's own setting: what notifications ignore it (threads, mentions) is the caller's rule to apply.
 */
public record Membership(String role, long readSeq, long lastSeq, String type, boolean muted) implements ToJson {

  /** The role of a conversation's creator: may also delete others' messages. */
  public static final String OWNER = "owner";

  public boolean owner() {
    return OWNER.equals(role);
  }

  public static Membership fromJson(JsonObject json) {
    return new Membership(json.getString("role"), json.getLong("readSeq", 0L), json.getLong("lastSeq", 0L),
      json.getString("type"), json.getBoolean("muted", false));
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("role", role).put("readSeq", readSeq).put("lastSeq", lastSeq).put("type", type)
      .put("muted", muted);
  }
}
