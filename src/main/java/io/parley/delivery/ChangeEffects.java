package io.parley.delivery;

import io.parley.delivery.api.DeliveryLimits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What a change does to its message: the update to store and the message's state after it. A function
 * of the change and the state before it alone, so that rolling a change forward (again) on the same
 * state gives the same result, whichever instance does it.
 */
final class ChangeEffects {

  static final String EDITED = "edited";
  static final String DELETED = "deleted";
  static final String REACTED = "reacted";
  static final String UNREACTED = "unreacted";

  /** The update for {@code _id} of the message, and the state it leaves. */
  record Effect(JsonObject update, JsonObject state) {
  }

  private ChangeEffects() {
  }

  static boolean isReaction(String kind) {
    return REACTED.equals(kind) || UNREACTED.equals(kind);
  }

  /** The effect of {@code change} on {@code prior}; null when there is nothing left to apply. */
  static Effect of(JsonObject change, JsonObject prior) {
    String kind = change.getString("kind");
    if (EDITED.equals(kind) && change.getString("text") == null) {
      // Its text was removed by a later delete of the message, which is the state that stands.
      return null;
    }
    JsonObject set = new JsonObject().put("rev", change.getLong("rev")).put("lastChangeSeq", change.getLong("changeSeq"));
    JsonObject update = new JsonObject().put("$set", set);
    JsonObject state = prior.copy();
    switch (kind) {
      case EDITED -> {
        set.put("text", change.getString("text")).put("editedAt", change.getLong("at"));
        if (prior.getValue("originalText") == null && prior.getValue("text") != null) {
          // Kept so that a resend of the original send is still recognised as the same message.
          set.put("originalText", prior.getString("text"));
        }
      }
      case DELETED -> {
        set.put("deleted", true).put("deletedAt", change.getLong("at"));
        JsonObject unset = new JsonObject();
        for (String gone : new String[] {"text", "originalText", "reactions", "mentions", "broadcast", "attachments"}) {
          unset.put(gone, "");
          state.remove(gone);
        }
        update.put("$unset", unset);
      }
      default -> set.put("reactions", reactions(prior.getJsonArray("reactions", new JsonArray()), change));
    }
    state.mergeIn(set);
    return new Effect(update, state);
  }

  /**
   * The message's reactions after one user's emoji was added or taken off: per emoji in first-use order,
   * the count and the first {@link DeliveryLimits#REACTORS_SHOWN} users; an emoji at count 0 is gone.
   */
  static JsonArray reactions(JsonArray prior, JsonObject change) {
    String emoji = change.getString("emoji");
    boolean added = REACTED.equals(change.getString("kind"));
    JsonObject user = new JsonObject().put("userId", change.getString("actorId")).put("username", change.getString("actorName"));
    JsonArray after = new JsonArray();
    boolean found = false;
    for (Object entry : prior) {
      JsonObject reaction = ((JsonObject) entry).copy();
      if (emoji.equals(reaction.getString("emoji"))) {
        found = true;
        JsonArray users = withoutUser(reaction.getJsonArray("users", new JsonArray()), user.getString("userId"));
        long count = reaction.getLong("count", 0L) + (added ? 1 : -1);
        if (added && users.size() < DeliveryLimits.REACTORS_SHOWN) {
          users.add(user);
        }
        if (count <= 0) {
          continue;
        }
        reaction.put("count", count).put("users", users);
      }
      after.add(reaction);
    }
    if (!found && added) {
      after.add(new JsonObject().put("emoji", emoji).put("count", 1L).put("users", new JsonArray().add(user)));
    }
    return after;
  }

  private static JsonArray withoutUser(JsonArray users, String userId) {
    JsonArray kept = new JsonArray();
    users.forEach(u -> {
      if (!userId.equals(((JsonObject) u).getString("userId"))) {
        kept.add(u);
      }
    });
    return kept;
  }
}
