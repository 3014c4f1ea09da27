package io.parley.live;

import io.parley.common.Caller;
import io.parley.fanout.EventFanout;
import io.parley.live.api.PresenceQuery;
import io.parley.rooms.api.RoomsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The presence of the users connected to one gateway instance. The instance owns their entries in the
 * {@link PresenceStore} and renews them every {@link LiveSettings#heartbeatMs()}; when it dies nobody has
 * to notice: its entries pass their deadline and the next sweep of any instance drops them and announces
 * who went offline. Each change of a user's state (online, away, offline) is announced once, by whoever
 * made it ({@link PresenceAnnouncer}). Used from the instance's event loop only.
 */
public final class PresenceTracker {

  private static final Logger LOG = LoggerFactory.getLogger(PresenceTracker.class);
  /** Users per script call of a heartbeat: a few milliseconds of Redis each, not one call over thousands. */
  private static final int PUT_BATCH = 200;

  private final Vertx vertx;
  private final PresenceStore store;
  private final EventFanout fanout;
  private final PresenceAnnouncer announcer;
  private final RoomsClient rooms;
  private final LiveSettings settings;
  private final Clock clock;
  private final String instance = UUID.randomUUID().toString();
  private final Map<String, Local> local = new HashMap<>();
  /** Users to put with this instance's next write (see {@link #put}). */
  private final Map<String, Local> waitingPut = new LinkedHashMap<>();
  private boolean putQueued;
  private final List<Long> timers = new ArrayList<>();
  private boolean failing;
  /** The last write of this instance's entries; the next one waits for it ({@link #inOrder}). */
  private Future<?> lastWrite = Future.succeededFuture();

  /** A user with connections here: how many, when last active, and where to announce them. */
  private static final class Local {
    final Caller caller;
    int connections;
    long lastActive;
    List<String> announceIn = List.of();

    Local(Caller caller, long now) {
      this.caller = caller;
      this.lastActive = now;
    }
  }

  PresenceTracker(Vertx vertx, PresenceStore store, EventFanout fanout, RoomsClient rooms, LiveSettings settings, Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.fanout = fanout;
    this.announcer = new PresenceAnnouncer(vertx, fanout, rooms, clock, this::failed);
    this.rooms = rooms;
    this.settings = settings;
    this.clock = clock;
  }

  /** Starts the heartbeat and the sweep; Redis coming back (a fan-out gap) rebuilds this instance's entries at once. */
  void start() {
    timers.add(vertx.setPeriodic(settings.heartbeatMs(), t -> heartbeat()));
    timers.add(vertx.setPeriodic(LiveSettings.SWEEP_MS, t -> sweep()));
    fanout.onGap(this::heartbeat);
  }

  /**
   * A connection of the user is registered, subscribed to {@code conversations} (as the conversation list
   * shows them): the user is online here.
   */
  public void connected(Caller caller, JsonArray conversations) {
    Local user = local.computeIfAbsent(key(caller), k -> new Local(caller, clock.millis()));
    user.connections++;
    user.lastActive = clock.millis();
    user.announceIn = PresenceAnnouncer.announceIn(conversations);
    if (user.connections == 1) {
      put(List.of(user));
    }
  }

  /** A registered connection of the user closed; with the last one here, this instance drops its entry. */
  public void disconnected(Caller caller) {
    Local user = local.get(key(caller));
    if (user == null || --user.connections > 0) {
      return;
    }
    local.remove(key(caller));
    waitingPut.remove(key(caller));
    inOrder(() -> store.drop(instance, caller.tenant(), caller.userId(), clock.millis()))
      .onSuccess(change -> announcer.announce(change, user.announceIn)).onFailure(this::failed);
  }

  /** The user did something on a connection here (a request): not idle. Turns an idle user online at once. */
  public void active(Caller caller) {
    Local user = local.get(key(caller));
    if (user == null) {
      return;
    }
    boolean wasIdle = idle(user, clock.millis());
    user.lastActive = clock.millis();
    if (wasIdle) {
      put(List.of(user));
    }
  }

  /** The user's own choice of away (or back): {state} as it is now. */
  public Future<JsonObject> away(Caller caller, boolean away) {
    Local user = local.get(key(caller));
    return inOrder(() -> store.away(caller.tenant(), caller.userId(), away)).map(change -> {
      announcer.announce(change, user == null ? null : user.announceIn);
      return new JsonObject().put("state", change.after());
    });
  }

  /** The presence of the asked users who share a conversation with the caller; others are simply absent. */
  public Future<JsonObject> states(Caller caller, PresenceQuery query) {
    if (query.userIds().isEmpty()) {
      return Future.succeededFuture(new JsonObject().put("presence", new JsonObject()));
    }
    return rooms.contacts(caller, query.userIds())
      .compose(contacts -> store.states(caller.tenant(), contacts))
      .map(states -> new JsonObject().put("presence", states));
  }

  /** Leaving (the node stops): this instance's users are dropped now rather than at their deadline. */
  Future<Void> stop() {
    timers.forEach(vertx::cancelTimer);
    waitingPut.clear();
    List<Future<?>> drops = new ArrayList<>();
    for (Local user : local.values()) {
      long now = clock.millis();
      drops.add(inOrder(() -> store.drop(instance, user.caller.tenant(), user.caller.userId(), now))
        .onSuccess(change -> announcer.announce(change, user.announceIn)));
    }
    local.clear();
    return Future.join(drops).mapEmpty();
  }

  private void heartbeat() {
    put(new ArrayList<>(local.values()));
  }

  /**
   * Puts (renews) these users' entries. Users waiting to be put are gathered until this instance's previous
   * write is answered, then written together ({@link #PUT_BATCH} per script call, so none holds Redis for
   * long): a connect storm costs a few calls, not one per connect. The deadline is taken when the call is
   * made, not when the put was asked for: a put that waited must not arrive already expired.
   */
  private void put(List<Local> users) {
    users.forEach(user -> waitingPut.put(key(user.caller), user));
    if (putQueued || waitingPut.isEmpty()) {
      return;
    }
    putQueued = true;
    inOrder(() -> {
      putQueued = false;
      List<Local> batch = new ArrayList<>(waitingPut.values());
      waitingPut.clear();
      Future<Void> written = Future.succeededFuture();
      for (int from = 0; from < batch.size(); from += PUT_BATCH) {
        List<Local> chunk = batch.subList(from, Math.min(batch.size(), from + PUT_BATCH));
        written = written.compose(v -> putNow(chunk));
      }
      return written;
    });
  }

  private Future<Void> putNow(List<Local> users) {
    long now = clock.millis();
    List<PresenceStore.Held> held = users.stream()
      .map(u -> new PresenceStore.Held(u.caller.tenant(), u.caller.userId(), u.caller.username(), idle(u, now) ? "idle" : "online"))
      .toList();
    return store.put(instance, held, now, now + settings.presenceTtlMs()).map(changes -> {
      recovered();
      for (PresenceChange change : changes) {
        Local user = local.get(change.tenant() + ":" + change.userId());
        announcer.announce(change, user == null ? List.of() : user.announceIn);
      }
      return (Void) null;
    }).recover(err -> {
      failed(err);
      return Future.succeededFuture();
    });
  }

  private void sweep() {
    store.sweep(clock.millis(), LiveSettings.SWEEP_BATCH)
      .onSuccess(changes -> changes.forEach(change -> announcer.announce(change, null)))
      .onFailure(this::failed);
  }

  /**
   * Runs this instance's writes one after another, in the order they were made. Sent at once they travel on
   * different pooled Redis connections, and Redis may apply a connect's put after the drop of the disconnect
   * that followed it: the user stayed online until the entry's TTL ran out (dozens of 1000 connect-then-leave
   * pairs did in RedisPresenceTest's storm before this).
   */
  private <T> Future<T> inOrder(Supplier<Future<T>> write) {
    Future<T> next = lastWrite.transform(previous -> write.get());
    lastWrite = next;
    return next;
  }

  private boolean idle(Local user, long now) {
    return now - user.lastActive >= settings.idleAwayMs();
  }

  private void failed(Throwable err) {
    if (!failing) {
      failing = true;
      LOG.warn("presence could not be updated ({}); retried with the next heartbeat", err.getMessage());
    }
  }

  private void recovered() {
    if (failing) {
      failing = false;
      LOG.info("presence updates work again");
    }
  }

  private static String key(Caller caller) {
    return caller.tenant() + ":" + caller.userId();
  }
}
