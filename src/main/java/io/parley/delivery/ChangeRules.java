package io.parley.delivery;

import io.parley.common.Failure;
import io.parley.delivery.api.DeliveryError;
import io.parley.delivery.api.DeliveryLimits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** Who may change a message and how: the rules a change is held to before it takes a place in the log. */
final class ChangeRules {

  private ChangeRules() {
  }

  /**
   * Edits are the author's and not of a tombstone; deletes the author's or the owner's; reactions any
   * member's, on a message that is not deleted. Null when allowed.
   */
  static Failure refusal(ChangeLog.Request request, JsonObject message) {
    boolean author = request.actor().userId().equals(message.getString("senderId"));
    boolean deleted = message.getBoolean("deleted", false);
    String id = request.message().id();
    switch (request.kind()) {
      case ChangeEffects.EDITED -> {
        if (!author) {
          return new Failure(DeliveryError.NOT_MESSAGE_AUTHOR, "only its author may edit a message");
        }
        return deleted ? new Failure(DeliveryError.MESSAGE_DELETED, "message " + id + " is deleted") : null;
      }
      case ChangeEffects.DELETED -> {
        return author || request.owner() ? null
          : new Failure(DeliveryError.NOT_MESSAGE_AUTHOR, "only its author or the conversation's owner may delete a message");
      }
      default -> {
        return deleted ? new Failure(DeliveryError.MESSAGE_DELETED, "message " + id + " is deleted") : null;
      }
    }
  }

  /** True when the reaction would change nothing: the user has the emoji already, or (removing) has not. */
  static boolean reactionHeld(ChangeLog.Request request, List<String> mine) {
    return ChangeEffects.REACTED.equals(request.kind()) == mine.contains(request.emoji());
  }

  /** Bounds of a new reaction: emojis per user on the message, distinct emojis on the message. Null when within. */
  static Failure reactionBound(ChangeLog.Request request, List<String> mine, JsonObject message) {
    if (!ChangeEffects.REACTED.equals(request.kind())) {
      return null;
    }
    if (mine.size() >= DeliveryLimits.REACTIONS_PER_USER) {
      return new Failure(DeliveryError.TOO_MANY_REACTIONS,
        "a user may have at most " + DeliveryLimits.REACTIONS_PER_USER + " different reactions on one message");
    }
    JsonArray reactions = message.getJsonArray("reactions", new JsonArray());
    boolean newEmoji = reactions.stream().noneMatch(r -> request.emoji().equals(((JsonObject) r).getString("emoji")));
    if (newEmoji && reactions.size() >= DeliveryLimits.EMOJIS_PER_MESSAGE) {
      return new Failure(DeliveryError.TOO_MANY_REACTIONS,
        "a message may carry at most " + DeliveryLimits.EMOJIS_PER_MESSAGE + " different reactions");
    }
    return null;
  }
}
