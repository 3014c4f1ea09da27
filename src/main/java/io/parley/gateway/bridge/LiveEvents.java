package io.parley.gateway.bridge;

import io.parley.common.Caller;
import io.parley.fanout.Events;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which live events a connection gets: not its own user's typing (the others are typing, not you), and a
 * contact's presence change once, though it is published in every conversation the two share.
 */
final class LiveEvents {

  private LiveEvents() {
  }

  static boolean wanted(BridgeConnection connection, JsonObject event) {
    String type = event.getString("type");
    Caller caller = connection.caller();
    if (Events.TYPING.equals(type)) {
      return caller == null || !caller.userId().equals(event.getString("userId"));
    }
    if (Events.PRESENCE.equals(type)) {
      return connection.presenceSeen().first(event.getString("userId") + "@" + event.getLong("at") + ":" + event.getString("state"));
    }
    return true;
  }

  /**
   * The last few presence changes passed to one connection. The copies of one change (one per shared
   * conversation) arrive together, so a few are enough; allocated with the first, so a connection that
   * never gets presence costs nothing.
   */
  static final class Seen {

    private static final int KEPT = 16;

    private Map<String, Boolean> seen;

    /** True the first time {@code key} is offered. */
    boolean first(String key) {
      if (seen == null) {
        seen = new LinkedHashMap<>(KEPT * 2, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > KEPT;
          }
        };
      }
      return seen.put(key, Boolean.TRUE) == null;
    }
  }
}
