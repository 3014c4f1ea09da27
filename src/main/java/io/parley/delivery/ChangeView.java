package io.parley.delivery;

import io.vertx.core.json.JsonObject;

/**
 * The client-facing shape of a change, live ({@code message.changed}) and in sync answers alike: its
 * place, its kind, for a reaction the emoji and who, and the message's state after it.
 */
final class ChangeView {

  private ChangeView() {
  }

  static JsonObject of(JsonObject change, JsonObject messageState) {
    JsonObject view = new JsonObject().put("changeSeq", change.getLong("changeSeq")).put("kind", change.getString("kind"));
    if (ChangeEffects.isReaction(change.getString("kind"))) {
      view.put("emoji", change.getString("emoji")).put("userId", change.getString("actorId"));
    }
    return view.put("message", MessageView.of(messageState));
  }
}
