package io.parley.live;

import io.parley.common.Caller;
import io.parley.fanout.Channels;
import io.parley.fanout.EventFanout;
import io.parley.fanout.Events;
import io.parley.live.api.TypingSignal;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * Who is typing where, for the users connected to one gateway instance; never stored. A {@code true}
 * is passed on to the conversation at most every {@link #RESEND_MS} (more often only refreshes the
 * expiry), and expires {@link LiveSettings#typingExpiryMs()} after the last one: then, on
 * {@code false}, or when the user's last connection here closes, members get {@code typing: false}.
 * Each event carries {@code expiresInMs}, so clients also let it lapse if this instance dies.
 * Used from the instance's event loop only.
 */
public final class TypingSignals {

  /** A client's repeated {@code true} reaches the members at most this often. */
  static final long RESEND_MS = 2000;

  private final Vertx vertx;
  private final EventFanout fanout;
  private final LiveSettings settings;
  private final Clock clock;
  private final Map<String, Typing> typing = new HashMap<>();

  private record Typing(Caller caller, String conversationId, long sentAt, long timer) {
  }

  TypingSignals(Vertx vertx, EventFanout fanout, LiveSettings settings, Clock clock) {
    this.vertx = vertx;
    this.fanout = fanout;
    this.settings = settings;
    this.clock = clock;
  }

  /** {} when passed on or absorbed by the throttle ({@code dropped: true} then). */
  public JsonObject signal(Caller caller, TypingSignal signal) {
    String key = caller.tenant() + ":" + caller.userId() + ":" + signal.conversationId();
    Typing now = typing.get(key);
    if (!signal.typing()) {
      if (now == null) {
        return new JsonObject();
      }
      stop(key);
      return new JsonObject();
    }
    long at = clock.millis();
    boolean resend = now == null || at - now.sentAt() >= RESEND_MS;
    if (now != null) {
      vertx.cancelTimer(now.timer());
    }
    long timer = vertx.setTimer(settings.typingExpiryMs(), t -> stop(key));
    typing.put(key, new Typing(caller, signal.conversationId(), resend ? at : now.sentAt(), timer));
    if (resend) {
      publish(caller, signal.conversationId(), true);
      return new JsonObject();
    }
    return new JsonObject().put("dropped", true);
  }

  /** The user's last connection here closed: whatever they were typing stops. */
  public void disconnected(Caller caller) {
    String prefix = caller.tenant() + ":" + caller.userId() + ":";
    for (String key : new ArrayList<>(typing.keySet())) {
      if (key.startsWith(prefix)) {
        stop(key);
      }
    }
  }

  private void stop(String key) {
    Typing ended = typing.remove(key);
    if (ended != null) {
      vertx.cancelTimer(ended.timer());
      publish(ended.caller(), ended.conversationId(), false);
    }
  }

  private void publish(Caller caller, String conversationId, boolean on) {
    fanout.publish(Channels.conversation(caller.tenant(), conversationId), Events.of(Events.TYPING, conversationId)
      .put("userId", caller.userId()).put("username", caller.username()).put("typing", on)
      .put("expiresInMs", on ? settings.typingExpiryMs() : 0L));
  }
}
