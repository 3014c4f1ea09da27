package io.parley.delivery;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The highest seq this instance has seen stored, per conversation: where its next append starts, so
 * the common case needs no read. Only a hint (another instance may be ahead: the insert then meets a
 * duplicate key and moves on), bounded so a long-running instance does not keep every conversation.
 */
final class Heads {

  private static final int MAX_CONVERSATIONS = 100_000;

  private final Map<String, Long> heads = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > MAX_CONVERSATIONS;
    }
  };

  long get(String conversationId) {
    Long head = heads.get(conversationId);
    return head == null ? 0 : head;
  }

  void advance(String conversationId, long seq) {
    heads.merge(conversationId, seq, Math::max);
  }
}
