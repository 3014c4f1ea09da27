package io.parley.rooms.api;

import io.parley.auth.api.AuthLimits;
import io.parley.common.Fields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Sizes the rooms concern accepts: fixed ones as constants, configured ones ({@code limits.*}) per node. */
public record RoomsLimits(int nameMaxBytes, int membersMax, int pageMax, int conversationsPerUser) {

  /** Conversation ids are UUIDs; the bound only keeps garbage ids short. */
  public static final int CONVERSATION_ID_MAX_BYTES = 64;
  /** The conversation type anyone of the tenant may find and join (if public); @here/@all count only there. */
  public static final String ROOM = "room";
  public static final Set<String> TYPES = Set.of(ROOM, "dm", "group");
  public static final Set<String> VISIBILITIES = Set.of("public", "private");

  /** The {@code conversationId} field every conversation request names. */
  public static String conversationId(JsonObject body) {
    return Fields.requiredString(body, "conversationId", CONVERSATION_ID_MAX_BYTES);
  }

  /** The optional {@code members} list of usernames, each as auth allows usernames to be. */
  public List<String> usernames(JsonObject body) {
    JsonArray members = Fields.optionalArray(body, "members", membersMax);
    List<String> names = new ArrayList<>();
    for (Object member : members) {
      if (!(member instanceof String name) || name.isBlank() || name.length() > AuthLimits.USERNAME_MAX) {
        throw Fields.invalid("members", "must be a list of usernames");
      }
      names.add(name);
    }
    return names;
  }
}
