package io.parley.delivery;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs one append at a time per conversation within this verticle instance, so concurrent senders on
 * one node queue instead of racing for the same sequence number (the store still arbitrates between
 * nodes). Event-loop confined: no locking.
 */
final class ConversationQueue {

  private final Map<String, Future<?>> tails = new HashMap<>();

  <T> Future<T> run(String conversationId, Supplier<Future<T>> task) {
    Future<?> previous = tails.getOrDefault(conversationId, Future.succeededFuture());
    Promise<T> done = Promise.promise();
    previous.onComplete(ignored -> {
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
