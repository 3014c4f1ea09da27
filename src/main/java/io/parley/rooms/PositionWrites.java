package io.parley.rooms;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Coalesces what sends move in rooms' documents — each conversation's head and each sender's read
 * position — into one bulk write per collection: the first send is written at once, and the sends
 * that arrive while that write is out are written together when it returns (a conversation and a
 * reader once each, at their highest seq). Each caller's future completes when a write that covers
 * it has been answered, so a send is acknowledged only once the positions it implies are stored.
 *
 * <p>Not thread-safe: used from its verticle's context only.
 */
final class PositionWrites {

  private final ConversationStore conversations;
  private final MembershipStore memberships;

  private Map<String, Long> heads = new HashMap<>();
  private Map<String, Long> reads = new HashMap<>();
  private List<Promise<Void>> waiting = new ArrayList<>();
  private boolean writing;

  PositionWrites(ConversationStore conversations, MembershipStore memberships) {
    this.conversations = conversations;
    this.memberships = memberships;
  }

  /** The conversation's head is at least {@code seq}, and so is the reader's read position. */
  Future<Void> appended(String conversationId, String readerId, long seq) {
    heads.merge(conversationId, seq, Math::max);
    reads.merge(MembershipStore.id(conversationId, readerId), seq, Math::max);
    Promise<Void> written = Promise.promise();
    waiting.add(written);
    if (!writing) {
      write();
    }
    return written.future();
  }

  private void write() {
    Map<String, Long> headBatch = heads;
    Map<String, Long> readBatch = reads;
    List<Promise<Void>> batchWaiting = waiting;
    heads = new HashMap<>();
    reads = new HashMap<>();
    waiting = new ArrayList<>();
    writing = true;
    Future.all(conversations.advanceHeads(headBatch), memberships.advanceReads(readBatch)).onComplete(done -> {
      writing = false;
      for (Promise<Void> promise : batchWaiting) {
        if (done.succeeded()) {
          promise.complete();
        } else {
          promise.fail(done.cause());
        }
      }
      if (!waiting.isEmpty()) {
        write();
      }
    });
  }
}
