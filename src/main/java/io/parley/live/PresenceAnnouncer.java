package io.parley.live;

import io.parley.common.Caller;
import io.parley.fanout.Channels;
import io.parley.fanout.EventFanout;
import io.parley.fanout.Events;
import io.parley.rooms.api.RoomsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Who hears of a presence change: the channels of the user's DMs, groups and private rooms (public rooms,
 * the tenant-wide general room among them, would make every change a message to the whole tenant), paced
 * ({@link PacedPublisher}). For a user swept from a dead instance, rooms says where those are.
 */
final class PresenceAnnouncer {

  /** Tries to learn where a swept user is announced (rooms may briefly fail while a member drops). */
  private static final int SWEPT_ATTEMPTS = 4;

  private final Vertx vertx;
  private final PacedPublisher publisher;
  private final RoomsClient rooms;
  private final Clock clock;
  private final Consumer<Throwable> failed;

  PresenceAnnouncer(Vertx vertx, EventFanout fanout, RoomsClient rooms, Clock clock, Consumer<Throwable> failed) {
    this.vertx = vertx;
    this.publisher = new PacedPublisher(fanout);
    this.rooms = rooms;
    this.clock = clock;
    this.failed = failed;
  }

  /** The conversations presence is announced in: all but public rooms. */
  static List<String> announceIn(JsonArray conversations) {
    List<String> ids = new ArrayList<>();
    for (Object c : conversations) {
      JsonObject conversation = (JsonObject) c;
      if (!("room".equals(conversation.getString("type")) && "public".equals(conversation.getString("visibility")))) {
        ids.add(conversation.getString("id"));
      }
    }
    return ids;
  }

  /** Tells the user's contacts of a change; {@code where} null: ask rooms (a user of a dead instance). */
  void announce(PresenceChange change, List<String> where) {
    if (!change.changed()) {
      return;
    }
    JsonObject event = new JsonObject().put("type", Events.PRESENCE).put("userId", change.userId())
      .put("username", change.username()).put("state", change.after()).put("lastSeenAt", change.lastSeenAt())
      .put("at", clock.millis());
    if (where != null) {
      where.forEach(id -> publisher.publish(Channels.conversation(change.tenant(), id), event));
      return;
    }
    announceSwept(change, event, 1);
  }

  /**
   * A swept user's change is committed already: rooms is asked where to announce it, again a few times if it
   * cannot answer yet (e.g. while the cluster still counts the dead member in), or the change would go untold.
   */
  private void announceSwept(PresenceChange change, JsonObject event, int attempt) {
    rooms.list(new Caller(change.tenant(), change.userId(), change.username()), 5000).map(PresenceAnnouncer::announceIn)
      .onSuccess(ids -> ids.forEach(id -> publisher.publish(Channels.conversation(change.tenant(), id), event)))
      .onFailure(err -> {
        if (attempt < SWEPT_ATTEMPTS) {
          vertx.setTimer(attempt * 1000L, t -> announceSwept(change, event, attempt + 1));
        } else {
          failed.accept(err);
        }
      });
  }
}
