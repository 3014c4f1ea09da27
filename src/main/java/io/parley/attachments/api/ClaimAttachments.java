package io.parley.attachments.api;

import io.parley.common.ToJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * {conversationId, clientMsgId, attachmentIds}: the caller's message (named by its clientMsgId, so that a
 * resend claims again without conflict) takes these uploads of the caller's, made in that conversation.
 */
public record ClaimAttachments(String conversationId, String clientMsgId, List<String> attachmentIds) implements ToJson {

  public static ClaimAttachments fromJson(JsonObject json) {
    return new ClaimAttachments(json.getString("conversationId"), json.getString("clientMsgId"),
      json.getJsonArray("attachmentIds", new JsonArray()).stream().map(String::valueOf).toList());
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("conversationId", conversationId).put("clientMsgId", clientMsgId)
      .put("attachmentIds", new JsonArray(attachmentIds));
  }
}
