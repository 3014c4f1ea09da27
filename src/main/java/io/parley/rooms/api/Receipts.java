package io.parley.rooms.api;

import io.parley.common.ToJson;
import io.vertx.core.json.JsonObject;

/**
 * How far one message has got: of the {@code members} other than the caller, how many had it handed to
 * a connection ({@code deliveredTo}) and how many read it ({@code readBy}; reading implies delivered).
 */
public record Receipts(String messageId, int deliveredTo, int readBy, int members) implements ToJson {

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("messageId", messageId).put("deliveredTo", deliveredTo).put("readBy", readBy)
      .put("members", members);
  }
}
