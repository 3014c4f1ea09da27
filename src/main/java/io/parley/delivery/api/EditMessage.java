package io.parley.delivery.api;

import io.parley.common.Fields;
import io.vertx.core.json.JsonObject;

/**
 * {messageId, text, clientChangeId?}: the author's new text for a message, applied once whatever number
 * of times it is sent with the same clientChangeId (without one, each request is a change of its own).
 */
public record EditMessage(MessageRef message, String text, String clientChangeId) {

  public static EditMessage fromJson(JsonObject body, DeliveryLimits limits) {
    return new EditMessage(MessageRef.fromJson(body),
      Fields.requiredString(body, "text", limits.messageMaxBytes()),
      clientChangeId(body));
  }

  /** The optional {@code clientChangeId}: null when absent. */
  static String clientChangeId(JsonObject body) {
    return body.getValue("clientChangeId") == null ? null
      : Fields.matching(body, "clientChangeId", DeliveryLimits.CLIENT_CHANGE_ID, DeliveryLimits.CLIENT_CHANGE_ID_RULE);
  }
}
