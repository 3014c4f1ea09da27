package io.parley.testing;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Users of one tenant (their login answers, by name) and a room the first of {@code members} created
 * with the rest in it; {@code outsiders} are of the tenant but not in the room.
 */
public record RoomOfMany(Map<String, JsonObject> users, String roomId) {

  public static Future<RoomOfMany> create(Rest rest, String tenant, String roomName, List<String> members, List<String> outsiders) {
    List<String> everyone = new ArrayList<>(members);
    everyone.addAll(outsiders);
    return rest.users(tenant, everyone.toArray(String[]::new)).compose(users -> rest.createConversation(
        users.get(members.get(0)).getString("accessToken"), new JsonObject().put("type", "room").put("name", roomName)
          .put("members", new JsonArray(members.subList(1, members.size()))))
      .map(room -> new RoomOfMany(users, room.getString("id"))));
  }

  public JsonObject user(String name) {
    return users.get(name);
  }

  public String token(String name) {
    return users.get(name).getString("accessToken");
  }

  public String userId(String name) {
    return users.get(name).getString("userId");
  }
}
