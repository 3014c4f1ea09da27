package io.parley.testing;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The smallest chat: acme's alice and bob (their login answers) and a room alice created with bob in it. */
public record RoomOfTwo(JsonObject alice, JsonObject bob, String roomId) {

  /** Starts {@code node} with {@code overrides}, then creates the room on it. */
  public static Future<RoomOfTwo> startNode(ParleyNodeExtension node, JsonObject overrides, String roomName) {
    return node.start(overrides).compose(v -> create(node.rest(), roomName));
  }

  public static Future<RoomOfTwo> create(Rest rest, String roomName) {
    return Future.all(rest.user("acme", "alice"), rest.user("acme", "bob")).compose(users -> {
      JsonObject alice = users.resultAt(0);
      JsonObject bob = users.resultAt(1);
      return rest.createConversation(alice.getString("accessToken"),
          new JsonObject().put("type", "room").put("name", roomName).put("members", new JsonArray().add("bob")))
        .map(room -> new RoomOfTwo(alice, bob, room.getString("id")));
    });
  }
}
