package io.parley.rooms;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gathers the delivered positions that moved, per conversation, into one {@code delivered} event per
 * conversation per flush ({@link RoomsVerticle} flushes every {@link #FLUSH_MS} ms): announced member by
 * member, a message to a busy room of N members would cost N events to N connections each — N² frames;
 * gathered, it costs one event to each. At most {@link #MAX_CONVERSATIONS} conversations wait; one more
 * flushes them all first. Not thread-safe: used from the rooms verticle's context only.
 */
final class DeliveredAnnouncements {

  static final long FLUSH_MS = 250;
  static final int MAX_CONVERSATIONS = 10_000;

  private final RoomEvents events;
  private Map<String, Waiting> waiting = new LinkedHashMap<>();

  private record Waiting(String tenant, Map<String, Long> positions) {
  }

  DeliveredAnnouncements(RoomEvents events) {
    this.events = events;
  }

  /** The member's delivered position in the conversation moved to {@code seq}. */
  void moved(String tenant, String conversationId, String userId, long seq) {
    if (!waiting.containsKey(conversationId) && waiting.size() >= MAX_CONVERSATIONS) {
      flush();
    }
    waiting.computeIfAbsent(conversationId, id -> new Waiting(tenant, new HashMap<>())).positions().merge(userId, seq, Math::max);
  }

  /** One event per conversation with every position that moved since the last flush. */
  void flush() {
    Map<String, Waiting> due = waiting;
    waiting = new LinkedHashMap<>();
    due.forEach((conversationId, w) -> events.delivered(w.tenant(), conversationId, w.positions()));
  }

  int waiting() {
    return waiting.size();
  }
}
