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
 * <p>Safe to call from any thread (a verticle calls it from its context; tests from their own).
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
    Promise<Void> written = Promise.promise();
    boolean start;
    synchronized (this) {
      heads.merge(conversationId, seq, Math::max);
      reads.merge(MembershipStore.id(conversationId, readerId), seq, Math::max);
      waiting.add(written);
      start = !writing;
      writing = true;
    }
    if (start) {
      write();
    }
    return written.future();
  }

  private void write() {
    Map<String, Long> headBatch;
    Map<String, Long> readBatch;
    List<Promise<Void>> batchWaiting;
    synchronized (this) {
      headBatch = heads;
      readBatch = reads;
      batchWaiting = waiting;
      heads = new HashMap<>();
      reads = new HashMap<>();
      waiting = new ArrayList<>();
    }
    Future.all(conversations.advanceHeads(headBatch), memberships.advanceReads(readBatch)).onComplete(done -> {
      for (Promise<Void> promise : batchWaiting) {
        if (done.succeeded()) {
          promise.complete();
        } else {
          promise.fail(done.cause());
        }
      }
      boolean more;
      synchronized (this) {
        more = !waiting.isEmpty();
        writing = more;
      }
      if (more) {
        write();
      }
    });
  }
}
