package io.parley.delivery.api;

import io.parley.common.CommonError;
import io.parley.common.Failure;
import io.parley.common.Fields;
import io.parley.rooms.api.RoomsLimits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Objects;

/**
 * {conversationId, clientMsgId, text, threadOf?, attachments?}: a message to store once, whatever number
 * of times it is sent; with {@code threadOf} (a message id of the same conversation) a reply in that
 * message's thread; with {@code attachments} (ids of the sender's uploads to the conversation) files,
 * and then the text may be empty.
 */
public record SendMessage(String conversationId, String clientMsgId, String text, MessageRef threadOf, List<String> attachments) {

  public static SendMessage fromJson(JsonObject body, DeliveryLimits limits) {
    String threadOf = Fields.optionalString(body, "threadOf", MessageRef.ID_MAX_BYTES);
    List<String> attachments = attachmentIds(body);
    String text = attachments.isEmpty() ? Fields.requiredString(body, "text", limits.messageMaxBytes())
      : Objects.requireNonNullElse(Fields.optionalString(body, "text", limits.messageMaxBytes()), "");
    return new SendMessage(RoomsLimits.conversationId(body),
      Fields.matching(body, "clientMsgId", DeliveryLimits.CLIENT_MSG_ID, DeliveryLimits.CLIENT_MSG_ID_RULE),
      text, threadOf == null ? null : MessageRef.parse(threadOf, "threadOf"), attachments);
  }

  private static List<String> attachmentIds(JsonObject body) {
    Object value = body.getValue("attachments");
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray ids) || ids.size() > DeliveryLimits.ATTACHMENT_IDS_MAX
      || ids.stream().anyMatch(id -> !(id instanceof String text) || !DeliveryLimits.ATTACHMENT_ID.matcher(text).matches())) {
      throw new Failure(CommonError.VALIDATION_FAILED, "attachments must be a list of at most "
        + DeliveryLimits.ATTACHMENT_IDS_MAX + " attachment ids");
    }
    return ids.stream().map(String.class::cast).distinct().toList();
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("conversationId", conversationId).put("clientMsgId", clientMsgId).put("text", text);
    if (!attachments.isEmpty()) {
      json.put("attachments", new JsonArray(attachments));
    }
    return threadOf == null ? json : json.put("threadOf", threadOf.id());
  }
}
