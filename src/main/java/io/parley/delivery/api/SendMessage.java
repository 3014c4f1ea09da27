package io.parley.delivery.api;

import io.parley.common.Fields;
import io.parley.rooms.api.RoomsLimits;
import io.vertx.core.json.JsonObject;

/** {conversationId, clientMsgId, text}: a message to store once, whatever number of times it is sent. */
public record SendMessage(String conversationId, String clientMsgId, String text) {

  public static SendMessage fromJson(JsonObject body, DeliveryLimits limits) {
    return new SendMessage(RoomsLimits.conversationId(body),
      Fields.matching(body, "clientMsgId", DeliveryLimits.CLIENT_MSG_ID, DeliveryLimits.CLIENT_MSG_ID_RULE),
      Fields.requiredString(body, "text", limits.messageMaxBytes()));
  }

  public JsonObject toJson() {
    return new JsonObject().put("conversationId", conversationId).put("clientMsgId", clientMsgId).put("text", text);
  }
}
