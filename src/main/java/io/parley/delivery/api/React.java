package io.parley.delivery.api;

import io.vertx.core.json.JsonObject;

/**
 * {messageId, emoji}: the caller's reaction added to a message, or taken off it. Idempotent by nature:
 * a user has an emoji on a message or not, so adding it twice (or removing it twice) changes nothing.
 */
public record React(MessageRef message, String emoji) {

  public static React fromJson(JsonObject body) {
    return new React(MessageRef.fromJson(body), Emoji.fromJson(body));
  }
}
