package io.parley.delivery.api;

import io.parley.common.Fields;
import io.parley.rooms.api.RoomsLimits;
import io.vertx.core.json.JsonObject;

/** A message named by its place: the id {@code <conversationId>:<seq>}. */
public record MessageRef(String conversationId, long seq) {

  /** A conversation id, a colon and a seq of up to 19 digits. */
  public static final int ID_MAX_BYTES = RoomsLimits.CONVERSATION_ID_MAX_BYTES + 20;
  public static final String RULE = "must be <conversationId>:<seq>";

  /** The {@code messageId} field of a change request. */
  public static MessageRef fromJson(JsonObject body) {
    return parse(Fields.requiredString(body, "messageId", ID_MAX_BYTES));
  }

  public static MessageRef parse(String id) {
    return parse(id, "messageId");
  }

  /** A message id given in {@code field}; a malformed one fails VALIDATION_FAILED naming the field. */
  public static MessageRef parse(String id, String field) {
    int colon = id.lastIndexOf(':');
    if (colon < 1 || colon == id.length() - 1 || id.length() - colon - 1 > 19) {
      throw Fields.invalid(field, RULE);
    }
    String conversationId = id.substring(0, colon);
    String digits = id.substring(colon + 1);
    if (!digits.chars().allMatch(c -> c >= '0' && c <= '9') || conversationId.isBlank()) {
      throw Fields.invalid(field, RULE);
    }
    long seq;
    try {
      seq = Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw Fields.invalid(field, RULE);
    }
    if (seq < 1) {
      throw Fields.invalid(field, RULE);
    }
    return new MessageRef(conversationId, seq);
  }

  public String id() {
    return conversationId + ":" + seq;
  }
}
