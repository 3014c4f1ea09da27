package io.parley.rooms.api;

import io.parley.common.Fields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * {type: room|dm|group, name?, visibility?: public|private, members?: [username]}. A room needs a
 * name and is public unless said otherwise; a group is always private; a dm names exactly one other.
 */
public record CreateConversation(String type, String name, String visibility, List<String> members) {

  public static CreateConversation fromJson(JsonObject body, RoomsLimits limits) {
    String type = Fields.requiredString(body, "type", 16);
    if (!RoomsLimits.TYPES.contains(type)) {
      throw Fields.invalid("type", "must be one of " + RoomsLimits.TYPES);
    }
    List<String> members = limits.usernames(body);
    return switch (type) {
      case "dm" -> new CreateConversation(type, null, "private", members);
      case "group" -> new CreateConversation(type, Fields.optionalString(body, "name", limits.nameMaxBytes()), "private", members);
      default -> new CreateConversation(type, Fields.requiredString(body, "name", limits.nameMaxBytes()), visibility(body), members);
    };
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("type", type).put("members", new JsonArray(members));
    if (name != null) {
      json.put("name", name);
    }
    return "room".equals(type) ? json.put("visibility", visibility) : json;
  }

  private static String visibility(JsonObject body) {
    String visibility = Fields.optionalString(body, "visibility", 16);
    if (visibility == null) {
      return "public";
    }
    if (!RoomsLimits.VISIBILITIES.contains(visibility)) {
      throw Fields.invalid("visibility", "must be one of " + RoomsLimits.VISIBILITIES);
    }
    return visibility;
  }
}
