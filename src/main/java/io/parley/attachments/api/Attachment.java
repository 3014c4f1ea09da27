package io.parley.attachments.api;

import io.parley.common.ToJson;
import io.vertx.core.json.JsonObject;

/**
 * An attachment as clients see it: in the upload's answer and in the {@code attachments} of a message.
 * {@code contentType} is what the bytes are (detected), never what the client claimed; {@code width} and
 * {@code height} are set for the images whose size was read (PNG, JPEG, GIF, BMP), {@code thumbnail} when a
 * preview could also be made of them.
 */
public record Attachment(String attachmentId, String name, long size, String contentType, String sha256,
                         Integer width, Integer height, boolean thumbnail) implements ToJson {

  public static Attachment fromJson(JsonObject json) {
    JsonObject image = json.getJsonObject("image");
    return new Attachment(json.getString("attachmentId"), json.getString("name"), json.getLong("size"),
      json.getString("contentType"), json.getString("sha256"),
      image == null ? null : image.getInteger("width"), image == null ? null : image.getInteger("height"),
      json.getBoolean("thumbnail", false));
  }

  @Override
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("attachmentId", attachmentId).put("name", name).put("size", size)
      .put("contentType", contentType).put("sha256", sha256).put("thumbnail", thumbnail);
    return width == null ? json : json.put("image", new JsonObject().put("width", width).put("height", height));
  }
}
