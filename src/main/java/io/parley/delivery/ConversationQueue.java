package io.parley.delivery;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Runs one append at a time per conversation within this verticle instance, so concurrent senders on
 * one node queue instead of racing for the same sequence number (the store still arbitrates between
 * nodes). Event-loop confined: no locking.
 *
 * <p>When an append fails with an outage ({@code failFast}: the store is unreachable), the appends
 * queued behind it fail with it at once, untried: each would otherwise wait out the store's timeout
 * in turn, and the last of a few would hear the gateway's TIMEOUT instead of SERVICE_UNAVAILABLE.
 * Nothing of theirs was written, so the client's resend (same clientMsgId) is safe.
 */
final class ConversationQueue {

  private final Map<String, Future<?>> tails = new HashMap<>();
  private final Predicate<Throwable> failFast;

  ConversationQueue(Predicate<Throwable> failFast) {
    this.failFast = failFast;
  }

  <T> Future<T> run(String conversationId, Supplier<Future<T>> task) {
    Future<?> previous = tails.getOrDefault(conversationId, Future.succeededFuture());
    Promise<T> done = Promise.promise();
    previous.onComplete(before -> {
      if (before.failed() && failFast.test(before.cause())) {
        done.fail(before.cause());
        return;
      }
      Future<T> result;
      try {
        result = task.get();
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onComplete(done);
    });
    Future<T> tail = done.future();
    tails.put(conversationId, tail);
    tail.onComplete(ar -> tails.remove(conversationId, tail));
    return tail;
  }

  int inFlight() {
    return tails.size();
  }
}
