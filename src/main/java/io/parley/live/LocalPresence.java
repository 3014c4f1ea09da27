package io.parley.live;

import io.parley.live.api.PresenceStates;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Presence of a node without Redis: the rules of {@code presence.lua} in memory. Shared by the node's
 * gateway instances (synchronized: they run on different event loops).
 */
final class LocalPresence implements PresenceStore {

  private static final class User {
    final Map<String, String> activityByInstance = new HashMap<>();
    final Map<String, Long> deadlineByInstance = new HashMap<>();
    String name = "";
    boolean away;
    long lastSeenAt;

    String state() {
      if (activityByInstance.isEmpty()) {
        return PresenceStates.OFFLINE;
      }
      return away || !activityByInstance.containsValue("online") ? PresenceStates.AWAY : PresenceStates.ONLINE;
    }
  }

  private final Map<String, User> users = new HashMap<>();

  private User user(String tenant, String userId) {
    return users.computeIfAbsent(tenant + ":" + userId, k -> new User());
  }

  @Override
  public synchronized Future<List<PresenceChange>> put(String instance, List<Held> held, long now, long deadline) {
    List<PresenceChange> changes = new ArrayList<>();
    for (Held h : held) {
      User user = user(h.tenant(), h.userId());
      String before = user.state();
      user.name = h.username();
      user.activityByInstance.put(instance, h.activity());
      user.deadlineByInstance.put(instance, deadline);
      changes.add(new PresenceChange(h.tenant(), h.userId(), user.name, before, user.state(), user.lastSeenAt));
    }
    return Future.succeededFuture(changes);
  }

  @Override
  public synchronized Future<PresenceChange> drop(String instance, String tenant, String userId, long now) {
    return Future.succeededFuture(drop(user(tenant, userId), instance, tenant, userId, now));
  }

  private static PresenceChange drop(User user, String instance, String tenant, String userId, long now) {
    String before = user.state();
    user.activityByInstance.remove(instance);
    user.deadlineByInstance.remove(instance);
    String after = user.state();
    if (PresenceStates.OFFLINE.equals(after) && !PresenceStates.OFFLINE.equals(before)) {
      user.lastSeenAt = now;
    }
    return new PresenceChange(tenant, userId, user.name, before, after, user.lastSeenAt);
  }

  @Override
  public synchronized Future<PresenceChange> away(String tenant, String userId, boolean away) {
    User user = user(tenant, userId);
    String before = user.state();
    user.away = away;
    return Future.succeededFuture(new PresenceChange(tenant, userId, user.name, before, user.state(), user.lastSeenAt));
  }

  @Override
  public synchronized Future<List<PresenceChange>> sweep(long now, int limit) {
    List<PresenceChange> changes = new ArrayList<>();
    for (Map.Entry<String, User> entry : users.entrySet()) {
      User user = entry.getValue();
      Iterator<Map.Entry<String, Long>> deadlines = new ArrayList<>(user.deadlineByInstance.entrySet()).iterator();
      while (deadlines.hasNext() && changes.size() < limit) {
        Map.Entry<String, Long> deadline = deadlines.next();
        if (deadline.getValue() <= now) {
          int colon = entry.getKey().indexOf(':');
          changes.add(drop(user, deadline.getKey(), entry.getKey().substring(0, colon), entry.getKey().substring(colon + 1), now));
        }
      }
    }
    return Future.succeededFuture(changes);
  }

  @Override
  public synchronized Future<JsonObject> states(String tenant, List<String> userIds) {
    JsonObject states = new JsonObject();
    for (String userId : userIds) {
      User user = users.get(tenant + ":" + userId);
      states.put(userId, new JsonObject().put("state", user == null ? PresenceStates.OFFLINE : user.state())
        .put("lastSeenAt", user == null ? 0L : user.lastSeenAt));
    }
    return Future.succeededFuture(states);
  }
}
