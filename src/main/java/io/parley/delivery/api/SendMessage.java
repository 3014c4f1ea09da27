package io.parley.delivery.api;

import io.parley.common.Fields;
import io.parley.rooms.api.RoomsLimits;
import io.vertx.core.json.JsonObject;

/**
 * {conversationId, clientMsgId, text, threadOf?}: a message to store once, whatever number of times it
 * is sent; with {@code threadOf} (a message id of the same conversation) a reply in that message's thread.
 */
public record SendMessage(String conversationId, String clientMsgId, String text, MessageRef threadOf) {

  public static SendMessage fromJson(JsonObject body, DeliveryLimits limits) {
    String threadOf = Fields.optionalString(body, "threadOf", MessageRef.ID_MAX_BYTES);
    return new SendMessage(RoomsLimits.conversationId(body),
      Fields.matching(body, "clientMsgId", DeliveryLimits.CLIENT_MSG_ID, DeliveryLimits.CLIENT_MSG_ID_RULE),
      Fields.requiredString(body, "text", limits.messageMaxBytes()),
      threadOf == null ? null : MessageRef.parse(threadOf, "threadOf"));
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("conversationId", conversationId).put("clientMsgId", clientMsgId).put("text", text);
    return threadOf == null ? json : json.put("threadOf", threadOf.id());
  }
}
