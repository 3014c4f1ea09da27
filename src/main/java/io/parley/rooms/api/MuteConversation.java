package io.parley.rooms.api;

import io.parley.common.Fields;
import io.parley.common.ToJson;
import io.vertx.core.json.JsonObject;

/** {conversationId, muted}: the caller's own mute setting for one conversation, and the answer to setting it. */
public record MuteConversation(String conversationId, boolean muted) implements ToJson {

  public static MuteConversation fromJson(JsonObject body) {
    if (!(body.getValue("muted") instanceof Boolean muted)) {
      throw Fields.invalid("muted", "must be true or false");
    }
    return new MuteConversation(RoomsLimits.conversationId(body), muted);
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("conversationId", conversationId).put("muted", muted);
  }
}
