package io.parley.live;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Where presence is kept: per user, one entry per gateway instance holding connections of theirs, each
 * with a deadline its owner renews; Redis for a cluster ({@link RedisPresence}), memory for one node
 * ({@link LocalPresence}). Every change answers the states before and after.
 */
interface PresenceStore {

  /** A user held by this instance, with its connections' activity: "online" or "idle". */
  record Held(String tenant, String userId, String username, String activity) {
  }

  /** Puts (or renews) these users' entries for {@code instance} until {@code deadline}. */
  Future<List<PresenceChange>> put(String instance, List<Held> users, long now, long deadline);

  /** The user has no connection on {@code instance} any more. */
  Future<PresenceChange> drop(String instance, String tenant, String userId, long now);

  /** The user's own away choice. */
  Future<PresenceChange> away(String tenant, String userId, boolean away);

  /** Drops entries past their deadline (instances that died), at most {@code limit}. */
  Future<List<PresenceChange>> sweep(long now, int limit);

  /** {userId: {state, lastSeenAt}} for these users of the tenant. */
  Future<JsonObject> states(String tenant, List<String> userIds);
}
