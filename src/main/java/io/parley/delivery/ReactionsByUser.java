package io.parley.delivery;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;

import java.util.List;

/**
 * Which emojis each user has on each message: what makes a reaction idempotent per user and emoji,
 * and what bounds one user's reactions on one message. The message itself carries only counts and the
 * first users, so it cannot tell. One document per (message, user), looked up by {@code _id}.
 */
final class ReactionsByUser {

  /** Owned by delivery. {@code _id} = messageId/userId; {emojis: [...]}. */
  static final String REACTIONS = "message_reactions";

  private final MongoClient mongo;

  ReactionsByUser(MongoClient mongo) {
    this.mongo = mongo;
  }

  private static String id(String messageId, String userId) {
    // Message ids are <uuid>:<seq> and user ids UUIDs: neither contains a slash.
    return messageId + "/" + userId;
  }

  /** The user's emojis on the message, in the order added. */
  Future<List<String>> of(String messageId, String userId) {
    return mongo.findOne(REACTIONS, new JsonObject().put("_id", id(messageId, userId)), null)
      .map(found -> found == null ? List.of()
        : found.getJsonArray("emojis", new JsonArray()).stream().map(String::valueOf).toList());
  }

  /** Records the user's reaction change; idempotent, so a change rolled forward again changes nothing more. */
  Future<Void> apply(JsonObject change) {
    String messageId = change.getString("messageId");
    String userId = change.getString("actorId");
    String emoji = change.getString("emoji");
    JsonObject update = ChangeEffects.REACTED.equals(change.getString("kind"))
      ? new JsonObject().put("$addToSet", new JsonObject().put("emojis", emoji))
        .put("$set", new JsonObject().put("tenant", change.getString("tenant")).put("messageId", messageId).put("userId", userId))
      : new JsonObject().put("$pull", new JsonObject().put("emojis", emoji));
    return mongo.updateCollectionWithOptions(REACTIONS, new JsonObject().put("_id", id(messageId, userId)), update,
      new UpdateOptions().setUpsert(ChangeEffects.REACTED.equals(change.getString("kind")))).mapEmpty();
  }
}
