package io.parley.live.api;

import io.parley.common.Fields;
import io.parley.rooms.api.RoomsLimits;
import io.vertx.core.json.JsonObject;

/** {conversationId, typing}: the caller started (true) or stopped (false) typing in a conversation of theirs. */
public record TypingSignal(String conversationId, boolean typing) {

  public static TypingSignal fromJson(JsonObject body) {
    if (!(body.getValue("typing") instanceof Boolean typing)) {
      throw Fields.invalid("typing", "must be true or false");
    }
    return new TypingSignal(RoomsLimits.conversationId(body), typing);
  }
}
