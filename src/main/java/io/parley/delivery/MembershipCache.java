package io.parley.delivery;

import io.parley.rooms.api.Membership;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Memberships delivery has been told of, so a send does not ask rooms every time. Only positive answers
 * are kept; rooms announces every removal ({@code membership.removed} on the fan-out), which drops the
 * entry on every instance, and a fan-out gap drops them all. Entries also expire after {@link #TTL_MS}:
 * a bound on how long a removal missed while the fan-out was down could stay unseen. Event-loop confined.
 */
final class MembershipCache {

  static final long TTL_MS = 10_000;
  private static final int MAX_ENTRIES = 100_000;

  private final Clock clock;
  private final Map<String, Entry> entries = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
      return size() > MAX_ENTRIES;
    }
  };

  MembershipCache(Clock clock) {
    this.clock = clock;
  }

  /** The cached membership, or null when unknown or expired. */
  Membership get(String tenant, String conversationId, String userId) {
    String key = key(conversationId, userId);
    Entry entry = entries.get(key);
    if (entry == null || !entry.tenant.equals(tenant)) {
      return null;
    }
    if (entry.expiresAt < clock.millis()) {
      entries.remove(key);
      return null;
    }
    return entry.membership;
  }

  void put(String tenant, String conversationId, String userId, Membership membership) {
    entries.put(key(conversationId, userId), new Entry(tenant, membership, clock.millis() + TTL_MS));
  }

  /** A removal seen on the fan-out. */
  void removed(String conversationId, String userId) {
    entries.remove(key(conversationId, userId));
  }

  void clear() {
    entries.clear();
  }

  int size() {
    return entries.size();
  }

  /** Conversation and user ids are global UUIDs; the entry also keeps the tenant it was granted in. */
  private static String key(String conversationId, String userId) {
    return conversationId + ":" + userId;
  }

  private record Entry(String tenant, Membership membership, long expiresAt) {
  }
}
