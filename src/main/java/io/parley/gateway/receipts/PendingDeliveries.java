package io.parley.gateway.receipts;

import io.parley.common.Caller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Delivered positions noted and not yet reported: per user, per conversation, the highest seq handed to
 * one of the user's connections. At most {@code max} (user, conversation) entries are held; a note that
 * would make one more is refused, and the holder reports what it has first. Not thread-safe: the gateway
 * verticle's context only.
 */
final class PendingDeliveries {

  /** One report: the user and, per conversation, the highest seq their connections were handed. */
  record Batch(Caller caller, Map<String, Long> positions) {
  }

  private final int max;
  private final Map<String, Batch> byUser = new LinkedHashMap<>();
  private int entries;

  PendingDeliveries(int max) {
    this.max = max;
  }

  /** Keeps the higher of {@code seq} and what is noted already; false (nothing noted) when full. */
  boolean note(Caller caller, String conversationId, long seq) {
    Batch batch = byUser.get(caller.tenant() + ":" + caller.userId());
    if (batch != null && batch.positions().containsKey(conversationId)) {
      batch.positions().merge(conversationId, seq, Math::max);
      return true;
    }
    if (entries >= max) {
      return false;
    }
    if (batch == null) {
      batch = new Batch(caller, new HashMap<>());
      byUser.put(caller.tenant() + ":" + caller.userId(), batch);
    }
    batch.positions().put(conversationId, seq);
    entries++;
    return true;
  }

  /** Everything noted, one batch per user; empties the pending set. */
  List<Batch> drain() {
    List<Batch> batches = new ArrayList<>(byUser.values());
    byUser.clear();
    entries = 0;
    return batches;
  }

  /** (user, conversation) entries held. */
  int size() {
    return entries;
  }
}
