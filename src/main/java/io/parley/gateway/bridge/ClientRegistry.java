package io.parley.gateway.bridge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.parley.common.Caller;
import io.parley.common.CommonError;
import io.parley.common.Failure;
import io.parley.common.Meters;
import io.parley.fanout.Channels;
import io.parley.fanout.EventFanout;
import io.parley.fanout.Events;
import io.parley.gateway.receipts.DeliveredPositions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The connections of one gateway instance and the channels each listens to. Everything here is local
 * to this instance's event loop: a client's registration never becomes cluster-wide state. The fan-out
 * is subscribed to a channel while at least one local connection needs it.
 */
final class ClientRegistry {

  private static final long SUBSCRIBE_WAIT_MS = 2000;
  private final Vertx vertx;
  private final EventFanout fanout;
  private final Map<String, Set<BridgeConnection>> byChannel = new HashMap<>();
  private final Map<BridgeConnection, Set<String>> channelsOf = new HashMap<>();
  /** Per registering connection: conversation channel → still a member, for changes seen while listing. */
  private final Map<BridgeConnection, Map<String, Boolean>> changedWhileListing = new HashMap<>();
  private final Counter delivered;
  private final int connectionsPerUser;
  private final DeliveredPositions receipts;

  ClientRegistry(Vertx vertx, EventFanout fanout, int connectionsPerUser, DeliveredPositions receipts) {
    this.vertx = vertx;
    this.fanout = fanout;
    this.connectionsPerUser = connectionsPerUser;
    this.receipts = receipts;
    fanout.onEvent(this::dispatch);
    fanout.onGap(this::resyncAll);
    delivered = Counter.builder("parley_events_delivered").description("events written to client connections")
      .register(Meters.registry());
    Gauge.builder("parley_bridge_clients", channelsOf, Map::size).description("registered bridge clients per gateway instance")
      .tag("instance", Integer.toHexString(System.identityHashCode(this)))
      .register(Meters.registry());
  }

  /**
   * Step one of a registration: the user's own channel, in effect before the conversations are listed.
   * Refused (RATE_LIMITED) past {@code limits.connections_per_user} registered connections of the user here.
   */
  Future<Void> beginRegistration(BridgeConnection connection, Caller caller) {
    String userChannel = Channels.user(caller.tenant(), caller.userId());
    Set<BridgeConnection> theirs = byChannel.get(userChannel);
    if (theirs != null && theirs.size() >= connectionsPerUser) {
      Meters.rateLimited("bridge_connections_per_user");
      return Failure.fail(CommonError.RATE_LIMITED, "this user has " + connectionsPerUser
        + " connections on this server already, the most allowed; close one");
    }
    channelsOf.computeIfAbsent(connection, c -> new HashSet<>());
    changedWhileListing.put(connection, new HashMap<>());
    return listen(connection, userChannel);
  }

  /**
   * Step two: every listed conversation, except one the user left while the list was in flight (the
   * list may predate that); one added meanwhile is already followed through its event.
   */
  Future<Void> completeRegistration(BridgeConnection connection, Caller caller, List<String> conversationIds) {
    Map<String, Boolean> changed = changedWhileListing.remove(connection);
    if (!channelsOf.containsKey(connection)) {
      return Future.succeededFuture();
    }
    return Future.join(conversationIds.stream().map(id -> Channels.conversation(caller.tenant(), id))
      .filter(channel -> changed == null || !Boolean.FALSE.equals(changed.get(channel)))
      .map(channel -> listen(connection, channel))
      .toList()).mapEmpty();
  }

  /** True when this was the last registered connection of its user on this instance. */
  boolean unregister(BridgeConnection connection) {
    changedWhileListing.remove(connection);
    Set<String> channels = channelsOf.remove(connection);
    if (channels == null) {
      return false;
    }
    channels.forEach(channel -> forget(connection, channel));
    Caller caller = connection.caller();
    return caller == null || !byChannel.containsKey(Channels.user(caller.tenant(), caller.userId()));
  }

  /** Whether the connection listens to {@code channel} (a conversation of its user's, as followed live). */
  boolean listensTo(BridgeConnection connection, String channel) {
    Set<String> channels = channelsOf.get(connection);
    return channels != null && channels.contains(channel);
  }

  /** Live events may have been lost in transit: every client here catches up from the store. */
  private void resyncAll() {
    for (BridgeConnection connection : List.copyOf(channelsOf.keySet())) {
      connection.deliver(Frames.rec(connection.inbox(), new JsonObject().put("type", Events.RESYNC)));
    }
  }

  private void dispatch(String channel, JsonObject event) {
    Set<BridgeConnection> listeners = byChannel.get(channel);
    if (listeners == null) {
      return;
    }
    Buffer body = event.toBuffer();
    for (BridgeConnection connection : List.copyOf(listeners)) {
      if (!LiveEvents.wanted(connection, event)) {
        continue;
      }
      Buffer frame = Frames.rec(connection.inbox(), body);
      // "conversation.added" goes out once the new subscription is in effect: a client that syncs on
      // it cannot miss a message published in between.
      followMembership(connection, event).onComplete(v -> {
        if (connection.deliver(frame)) {
          delivered.increment();
          receipts.written(connection.caller(), event);
        }
      });
    }
  }

  /** Membership changes for the connection's own user re-point its conversation subscriptions. */
  private Future<Void> followMembership(BridgeConnection connection, JsonObject event) {
    Caller caller = connection.caller();
    String type = event.getString("type");
    String conversation = event.getString("conversationId");
    if (caller == null || conversation == null || !channelsOf.containsKey(connection)) {
      return Future.succeededFuture();
    }
    String channel = Channels.conversation(caller.tenant(), conversation);
    Map<String, Boolean> changed = changedWhileListing.get(connection);
    if (changed != null && (Events.CONVERSATION_ADDED.equals(type) || Events.CONVERSATION_REMOVED.equals(type))) {
      changed.put(channel, Events.CONVERSATION_ADDED.equals(type));
    }
    if (Events.CONVERSATION_ADDED.equals(type)) {
      return listen(connection, channel);
    }
    if (Events.CONVERSATION_REMOVED.equals(type)) {
      forget(connection, channel);
      channelsOf.get(connection).remove(channel);
    }
    return Future.succeededFuture();
  }

  /**
   * Completes when the channel's subscription is in effect, or after {@link #SUBSCRIBE_WAIT_MS} if the
   * fan-out is unreachable: the client is then not held up; the fan-out reports a gap (resync) once back.
   */
  private Future<Void> listen(BridgeConnection connection, String channel) {
    channelsOf.get(connection).add(channel);
    byChannel.computeIfAbsent(channel, c -> new HashSet<>()).add(connection);
    Future<Void> subscribed = fanout.subscribe(channel);
    if (subscribed.isComplete()) {
      return Future.succeededFuture();
    }
    // The timer runs on this instance's event loop, so whatever completes first, the caller continues there.
    Promise<Void> settled = Promise.promise();
    long timer = vertx.setTimer(SUBSCRIBE_WAIT_MS, t -> settled.tryComplete());
    subscribed.onComplete(ar -> {
      vertx.cancelTimer(timer);
      settled.tryComplete();
    });
    return settled.future();
  }

  private void forget(BridgeConnection connection, String channel) {
    Set<BridgeConnection> listeners = byChannel.get(channel);
    if (listeners != null && listeners.remove(connection) && listeners.isEmpty()) {
      byChannel.remove(channel);
      fanout.unsubscribe(channel);
    }
  }
}
