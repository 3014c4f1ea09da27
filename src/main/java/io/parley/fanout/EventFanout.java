package io.parley.fanout;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.function.BiConsumer;

/**
 * The data plane: carries conversation events (messages, receipts, membership changes) from the
 * verticle that caused them to every gateway instance that has a local client interested in the
 * channel. Requests and replies never travel here; they use the event bus.
 */
public interface EventFanout {

  /** Publishes an event on a channel (see {@link Channels}); completes once handed to the transport. */
  Future<Void> publish(String channel, JsonObject event);

  /**
   * Starts receiving a channel's events on this instance's {@link #onEvent} handler. Idempotent.
   * Completes once the subscription is in effect, so that anything published afterwards arrives.
   */
  Future<Void> subscribe(String channel);

  /** Stops receiving a channel. Idempotent. */
  void unsubscribe(String channel);

  /** Where events for this instance's subscribed channels arrive, on this instance's context. */
  void onEvent(BiConsumer<String, JsonObject> handler);

  /**
   * Called when events may have been missed (the transport lost its connection and is back): clients
   * of this instance must catch up from the store. Each handler added is called.
   */
  void onGap(Runnable handler);

  Future<Void> close();
}
