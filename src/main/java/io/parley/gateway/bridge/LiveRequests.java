package io.parley.gateway.bridge;

import io.parley.common.Caller;
import io.parley.common.CommonError;
import io.parley.common.Failure;
import io.parley.common.Fields;
import io.parley.fanout.Channels;
import io.parley.live.Live;
import io.parley.live.PresenceTracker;
import io.parley.live.api.LiveAddresses;
import io.parley.live.api.PresenceQuery;
import io.parley.live.api.PresenceStates;
import io.parley.live.api.TypingSignal;
import io.parley.ratelimit.Rate;
import io.parley.ratelimit.RateLimiter;
import io.parley.rooms.api.RoomsError;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The {@code parley.live.*} requests, answered here because they concern this connection (typing needs
 * its conversations, presence its user), and the connection's life as presence sees it: registered
 * (online), active, closed. Typing beyond the user's {@code typing_per_user} rate is dropped quietly
 * ({@code dropped: true}): a chatty client gets no error storm.
 */
final class LiveRequests {

  private final Live live;
  private final ClientRegistry registry;
  private final RateLimiter limiter;
  private final Rate typingPerUser;

  LiveRequests(Live live, ClientRegistry registry, RateLimiter limiter, Rate typingPerUser) {
    this.live = live;
    this.registry = registry;
    this.limiter = limiter;
    this.typingPerUser = typingPerUser;
  }

  static boolean handles(String address) {
    return LiveAddresses.REQUESTS.contains(address);
  }

  Future<JsonObject> handle(BridgeConnection connection, Caller who, String address, JsonObject body) {
    PresenceTracker presence = live.presence();
    switch (address) {
      case LiveAddresses.TYPING -> {
        TypingSignal signal = TypingSignal.fromJson(body);
        if (!registry.listensTo(connection, Channels.conversation(who.tenant(), signal.conversationId()))) {
          return Failure.fail(RoomsError.CONVERSATION_NOT_FOUND, "no conversation " + signal.conversationId()
            + " among this connection's (register first)");
        }
        return limiter.check(typingPerUser, who.tenant() + ":" + who.userId(), "typing")
          .map(v -> live.typing().signal(who, signal))
          .recover(err -> err instanceof Failure f && f.error() == CommonError.RATE_LIMITED
            ? Future.succeededFuture(new JsonObject().put("dropped", true)) : Future.failedFuture(err));
      }
      case LiveAddresses.PRESENCE -> {
        PresenceQuery query = PresenceQuery.fromJson(body);
        return presence == null ? Future.succeededFuture(new JsonObject().put("presence", new JsonObject()))
          : presence.states(who, query);
      }
      default -> {
        if (!(body.getValue("away") instanceof Boolean away)) {
          throw Fields.invalid("away", "must be true or false");
        }
        return presence == null ? Future.succeededFuture(new JsonObject().put("state", PresenceStates.ONLINE))
          : presence.away(who, away);
      }
    }
  }

  /** Any request on the connection: its user is active. */
  void active(Caller who) {
    if (live.presence() != null && who != null) {
      live.presence().active(who);
    }
  }

  void registered(Caller who, JsonArray conversations) {
    if (live.presence() != null) {
      live.presence().connected(who, conversations);
    }
  }

  /** A registered connection closed; {@code lastOfUser}: none of the user's is left on this instance. */
  void closed(Caller who, boolean lastOfUser) {
    if (live.presence() != null) {
      live.presence().disconnected(who);
    }
    if (lastOfUser) {
      live.typing().disconnected(who);
    }
  }
}
