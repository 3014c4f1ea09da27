package io.parley.fanout;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.HashSet;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The single-node stand-in for Redis pub/sub: events are published on a local-only event-bus
 * address, so they never leave this JVM even when the event bus is clustered.
 */
public final class InProcessFanout implements EventFanout {

  static final String ADDRESS = "parley.fanout.in-process";

  private final Vertx vertx;
  private final Set<String> channels = new HashSet<>();
  private MessageConsumer<JsonObject> consumer;
  private BiConsumer<String, JsonObject> handler = (channel, event) -> { };

  public InProcessFanout(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public Future<Void> publish(String channel, JsonObject event) {
    vertx.eventBus().publish(ADDRESS, new JsonObject().put("channel", channel).put("event", event),
      new DeliveryOptions().setLocalOnly(true));
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> subscribe(String channel) {
    if (consumer == null) {
      consumer = vertx.eventBus().<JsonObject>localConsumer(ADDRESS, message -> {
        String target = message.body().getString("channel");
        if (channels.contains(target)) {
          handler.accept(target, message.body().getJsonObject("event"));
        }
      });
    }
    channels.add(channel);
    return Future.succeededFuture();
  }

  @Override
  public void unsubscribe(String channel) {
    channels.remove(channel);
  }

  @Override
  public void onEvent(BiConsumer<String, JsonObject> handler) {
    this.handler = handler;
  }

  /** Local delivery cannot lose events while the process lives: no gaps to report. */
  @Override
  public void onGap(Runnable handler) {
  }

  @Override
  public Future<Void> close() {
    channels.clear();
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
